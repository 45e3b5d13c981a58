"""Disclosure control per measure (surveys.disclosure.measures): item non-response.

Pure functions, no database: random small releases are protected, some respondents skip the
measure, and the brute-force reference (audit.brute_force_leaks) checks that no group of 1..k-1
answerers can be worked out from the measure's shown cells."""

from __future__ import annotations

import random

import numpy as np
import pytest

from surveys.disclosure import (
    Atom,
    Cell,
    Measure,
    Profile,
    as_fixed,
    atoms_from_profiles,
    brute_force_leaks,
    measures,
    protect,
    protect_measures,
    standard_cells,
)
from surveys.disclosure.audit import Incidence

K = 5


@pytest.fixture(autouse=True, params=["one block", "per school"])
def blocks(request, monkeypatch):
    """Every case both ways: these small releases are audited as one block, as a small
    organisation's are, and again per school, as a large one's are."""
    if request.param == "per school":
        monkeypatch.setattr(measures, "SINGLE_BLOCK_ATOMS", 0)


def measure_leaks(atoms, cells, k, counts, shown):
    """Brute-force leaks of one measure: atoms sized by their answerers, the shown cells."""
    present = [Atom(a.id, counts[a.id], a.block) for a in atoms if counts[a.id] > 0]
    kept = {a.id for a in present}
    restricted = [Cell(c.id, c.atoms & kept) for c in cells if c.id in shown and c.atoms & kept]
    return brute_force_leaks(present, restricted, k)


def random_release(rng, respondents=60, schools=3):
    profiles = [
        Profile(rng.randrange(schools), (rng.randrange(3), rng.randrange(2)), frozenset({"final"}))
        for _ in range(respondents)
    ]
    atoms = atoms_from_profiles(profiles)
    return atoms, standard_cells(atoms, releases=["final"])


def shown_cells(atoms, cells, counts, published, k, suppressed=frozenset()):
    return {
        c.id
        for c in cells
        if c.id in published and c.id not in suppressed and sum(counts[a] for a in c.atoms) >= k
    }


@pytest.mark.parametrize("seed", range(12))
def test_no_group_of_a_measures_answerers_can_be_worked_out(seed):
    rng = random.Random(seed)
    atoms, cells = random_release(rng)
    protection = protect(atoms, cells, K)
    counts = {a.id: sum(rng.random() > 0.15 for _ in range(a.size)) for a in atoms}
    measure = Measure("item", answered={a: m for a, m in counts.items()})
    result = protect_measures(atoms, cells, K, published=protection.published, measures=[measure])
    shown = shown_cells(
        atoms, cells, counts, protection.published, K, result.complementary.get("item", frozenset())
    )
    assert measure_leaks(atoms, cells, K, counts, shown) == set()
    assert not result.withheld


def test_the_gap_exists_without_it_and_is_closed_with_few_suppressions():
    """Somewhere among random releases, the group-level protection leaves a measure leaking."""
    leaking = 0
    for seed in range(40):
        rng = random.Random(100 + seed)
        atoms, cells = random_release(rng)
        protection = protect(atoms, cells, K)
        counts = {a.id: sum(rng.random() > 0.15 for _ in range(a.size)) for a in atoms}
        before = shown_cells(atoms, cells, counts, protection.published, K)
        if not measure_leaks(atoms, cells, K, counts, before):
            continue
        leaking += 1
        result = protect_measures(
            atoms,
            cells,
            K,
            published=protection.published,
            measures=[Measure("item", answered=counts)],
        )
        after = before - result.complementary["item"]
        assert measure_leaks(atoms, cells, K, counts, after) == set()
        assert len(before) - len(after) < len(before) / 2
    assert leaking


@pytest.mark.parametrize("seed", range(4))
def test_measures_audited_together_share_work_and_each_is_safe(seed):
    """Many measures in one call share their primes and per-block work (blocks two measures
    change alike, or leave alone): each is still safe, and gets what it gets audited alone."""
    rng = random.Random(300 + seed)
    atoms, cells = random_release(rng, respondents=80, schools=4)
    protection = protect(atoms, cells, K)
    counts = []
    for _ in range(6):
        skipping = {a.id for a in atoms if rng.random() < 0.3}
        counts.append(
            {a.id: sum(rng.random() > 0.2 for _ in range(a.size)) if a.id in skipping else a.size for a in atoms}
        )
    counts.append(dict(counts[0]))  # the same instance as the first: audited once
    measures = [Measure(("item", i), answered=c) for i, c in enumerate(counts)]
    together = protect_measures(atoms, cells, K, published=protection.published, measures=measures)
    for measure, c in zip(measures, counts, strict=True):
        hidden = together.complementary.get(measure.id, frozenset())
        shown = shown_cells(atoms, cells, c, protection.published, K, hidden)
        assert measure_leaks(atoms, cells, K, c, shown) == set()
        alone = protect_measures(atoms, cells, K, published=protection.published, measures=[measure])
        assert alone.complementary.get(measure.id, frozenset()) == hidden
    assert together.complementary.get(("item", 6)) == together.complementary.get(("item", 0))


def test_a_measure_everyone_answered_needs_no_audit():
    rng = random.Random(7)
    atoms, cells = random_release(rng)
    protection = protect(atoms, cells, K)
    result = protect_measures(
        atoms,
        cells,
        K,
        published=protection.published,
        measures=[Measure("item", answered={a.id: a.size for a in atoms})],
    )
    assert result.audits == 0 and result.complementary == {}


@pytest.mark.parametrize("seed", range(8))
def test_unknown_splits_between_an_interim_release_and_the_final_are_all_covered(seed):
    """Atoms of one profile counted by the interim release and by the final only: the audit gets
    their answered total; every actual split must be safe."""
    rng = random.Random(200 + seed)
    profiles = [
        Profile(
            rng.randrange(2),
            (rng.randrange(3), rng.randrange(2)),
            frozenset({"interim", "final"}) if rng.random() < 0.7 else frozenset({"final"}),
        )
        for _ in range(50)
    ]
    atoms = atoms_from_profiles(profiles)
    cells = standard_cells(atoms, releases=["interim", "final"])
    interim_cells = [c for c in cells if c.id[1] == "interim"]
    interim_atoms = [a for a in atoms if "interim" in a.id.releases]
    counts = {a.id: sum(rng.random() > 0.2 for _ in range(a.size)) for a in atoms}
    # The interim release, exact (its own atoms only).
    first = protect(interim_atoms, interim_cells, K)
    first_measure = protect_measures(
        interim_atoms,
        interim_cells,
        K,
        published=first.published,
        measures=[Measure("item", answered=counts)],
    )
    shown_interim = shown_cells(
        interim_atoms,
        interim_cells,
        counts,
        first.published,
        K,
        first_measure.complementary.get("item", frozenset()),
    )
    visible = as_fixed(interim_cells, first.published)
    final_cells = visible + [c for c in cells if c.id[1] == "final"]
    second = protect(atoms, final_cells, K)
    # The final release knows per profile only the total answered.
    by_profile: dict = {}
    for a in atoms:
        key = (a.id.school, a.id.codes)
        by_profile.setdefault(key, []).append(a.id)
    answered, pooled = {}, []
    for ids in by_profile.values():
        if len(ids) == 1:
            answered[ids[0]] = counts[ids[0]]
        else:
            pooled.append((frozenset(ids), sum(counts[i] for i in ids)))
    measure = Measure("item", answered=answered, pooled=pooled, shown_fixed=shown_interim)
    result = protect_measures(atoms, final_cells, K, published=second.published, measures=[measure])
    new_shown = shown_cells(
        atoms,
        [c for c in final_cells if not c.fixed],
        counts,
        second.published,
        K,
        result.complementary.get("item", frozenset()),
    )
    assert measure_leaks(atoms, final_cells, K, counts, new_shown | shown_interim) == set()


def test_an_incidence_built_from_arrays_is_the_one_built_from_atoms_and_cells():
    rng = random.Random(11)
    atoms, cells = random_release(rng, respondents=70, schools=4)
    atoms = sorted(atoms, key=lambda a: (repr(a.block), repr(a.id)))
    position = {a.id: i for i, a in enumerate(atoms)}
    blocks = {}
    numbered = [Atom(position[a.id], a.size, blocks.setdefault(a.block, len(blocks))) for a in atoms]
    numbered_cells = [Cell(i, frozenset(position[a] for a in c.atoms)) for i, c in enumerate(cells)]
    flat = np.concatenate([np.array(sorted(c.atoms), dtype=np.int64) for c in numbered_cells])
    owner = np.repeat(np.arange(len(cells)), [len(c.atoms) for c in numbered_cells])
    built = Incidence(numbered, numbered_cells, K)
    from_arrays = Incidence.from_positions(
        np.array([a.id for a in numbered]),
        np.array([a.size for a in numbered]),
        np.array([a.block for a in numbered]),
        numbered_cells,
        flat,
        owner,
        K,
    )
    assert [a.id for a in built.atoms] == list(from_arrays.atoms.ids)
    assert (built.sizes == from_arrays.sizes).all()
    assert built.block_start == from_arrays.block_start and built.block_small == from_arrays.block_small
    assert (built.cell_block == from_arrays.cell_block).all()
    assert all((a == b).all() for a, b in zip(built.positions, from_arrays.positions, strict=True))
