"""From respondents' profiles to atoms and to the cells of the views a release may publish.

A release publishes a fixed list of views (DESIGN.md): organisation; organisation x one demographic
answer; organisation x two answers of two questions; school; school x one answer; a cluster of
small schools. Each view's groups are cells: sets of atoms.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import NamedTuple

from .audit import Atom, Cell


class Profile(NamedTuple):
    """What the cells can tell about a respondent: their school, their answer code to each
    demographic question (None when skipped) and the releases they are counted in (an interim
    release's respondents are also in the final)."""

    school: Hashable
    codes: tuple
    releases: frozenset


def atoms_from_profiles(profiles: Iterable[Profile]) -> list[Atom]:
    """One atom per distinct profile, its size the number of respondents sharing it."""
    counts = Counter(profiles)
    return [Atom(id=profile, size=size, block=profile.school) for profile, size in counts.items()]


def atoms_from_counts(counts: Iterable[tuple[Profile, int]]) -> list[Atom]:
    """Atoms from (profile, respondents) pairs, e.g. a GROUP BY in SQL."""
    return [
        Atom(id=profile, size=size, block=profile.school) for profile, size in counts if size > 0
    ]


def standard_cells(
    atoms: Sequence[Atom],
    *,
    releases: Sequence[Hashable],
    clusters: Sequence[Sequence[Hashable]] = (),
    schools_without_groups: Iterable[Hashable] = (),
) -> list[Cell]:
    """The cells of every allowed view of every release, ids like ``("school_group", release,
    school, question, code)``. Schools in a cluster get no school cells (only the cluster's);
    ``schools_without_groups`` (fewer than 20 respondents) get no school x answer cells. The
    cells of an earlier release that it published are then passed to ``as_fixed``."""
    known = set(releases)
    unknown = {r for atom in atoms for r in atom.id.releases} - known
    if unknown:
        raise ValueError(f"atoms belong to releases not listed: {sorted(map(repr, unknown))}")
    clustered = {school: i for i, members in enumerate(clusters) for school in members}
    no_groups = set(schools_without_groups)
    cells: dict[tuple, set] = {}

    def add(key: tuple, atom: Atom) -> None:
        cells.setdefault(key, set()).add(atom.id)

    for atom in atoms:
        profile: Profile = atom.id
        answered = [(q, code) for q, code in enumerate(profile.codes) if code is not None]
        for release in profile.releases:
            add(("organisation", release), atom)
            for q, code in answered:
                add(("organisation_group", release, q, code), atom)
            for (q1, c1), (q2, c2) in itertools.combinations(answered, 2):
                add(("organisation_two_groups", release, q1, c1, q2, c2), atom)
            if profile.school in clustered:
                add(("cluster", release, clustered[profile.school]), atom)
                continue
            add(("school", release, profile.school), atom)
            if profile.school not in no_groups:
                for q, code in answered:
                    add(("school_group", release, profile.school, q, code), atom)
    order = {release: i for i, release in enumerate(releases)}
    return [
        Cell(id=key, atoms=frozenset(members))
        for key, members in sorted(
            cells.items(), key=lambda item: (order[item[0][1]], repr(item[0]))
        )
    ]


def as_fixed(cells: Iterable[Cell], published: Collection[Hashable]) -> list[Cell]:
    """The cells an earlier, still visible release published, as fixed cells for the audit of a
    new one (its suppressed cells were never shown, so they are left out)."""
    return [Cell(id=c.id, atoms=c.atoms, fixed=True) for c in cells if c.id in published]
