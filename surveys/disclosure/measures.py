"""Disclosure control of each measure (item, domain) of the published groups: item non-response.

The rank audit (``audit``) works on respondents: a published group is the 0/1 vector of its
respondents. An item cell of a group is different: its n and distribution are sums over the
group's respondents *who answered that item* (skipped and "not applicable" count nowhere), so
for an attacker who knows who skipped what, the item's cells are the vectors 1_(G ∩ A) over the
item's answerers A. Two published groups can differ by five respondents and by four answers to
one item: subtracted, the item cells give those four people's answers. ``protect`` alone does not
see this; ``protect_measures`` does, measure by measure, after it.

The model, per measure
----------------------
Atoms are the same (every published cell still contains whole atoms), but an atom now stands for
its respondents who answered the measure: its size is that number, and an atom where nobody
answered drops out (its coordinate is zero in every vector of the measure). The cells are the
published groups whose cell of the measure is shown (at least k answers; for an earlier release
still visible, the cells it showed), each restricted to the remaining atoms. A group of 1..k-1
answerers leaks exactly when the same rank audit finds it there, so the same ``protect`` runs on
this smaller instance and its suppressions are suppressions of the measure's cells only (the
group's count and its other measures stay).

When nothing needs doing (why this is fast)
-------------------------------------------
If every respondent of every atom answered the measure, its vectors are those of the published
groups whose measure cell is shown, a subset of what ``protect`` already proved: no audit. The
same holds when only atoms keeping at least k answers lost some and every cell is shown. Two
measures whose atoms have the same answered counts (where they differ from the atom's size) and
the same shown cells are the same instance: it is audited once.

Sharing the work between measures (why the rest is fast enough)
----------------------------------------------------------------
Most measures do need their audit: at 20,000 respondents every item has some atoms losing a
few answers, and some of those leak. Each is a full ``protect`` of its own instance, but the
instances are alike: every measure's audits use one pair of primes and one cache (keyed by a
block's content: its atoms in order and its local cells), so a school that two measures leave
alike, or that one round of a measure's protection leaves alone, has its echelon form and its
local search made once; a school's echelon form is computed over the rationals, so the second
prime only rescales it (``linalg.echelon_01_many``); an audit that finds leaks is not confirmed
(only the round that finds none must be), and that one is usually proven exact without a second
prime (``CellSpan.rank_is_rational``); a round after a repair finds the global cells'
dependencies from the round before (``CellSpan._null_after``); a measure's first round repairs
the leaks inside one school (most of them) before any search of global directions; and the
instances are built from arrays (``Incidence.from_positions``), not from atom and cell objects. A small instance (at most
``SINGLE_BLOCK_ATOMS`` atoms, a small organisation) is audited as one block: the search over
global directions between many small schools costs more there than one elimination of the
whole cell matrix. Blocks only make the audit fast; any partition of the atoms is exact.

Atoms whose own counts are unknown
----------------------------------
Each release stores its atoms' answered counts per measure (``ReleaseAtom.answered``), so a later
release knows them exactly: differences between the releases' counts. A release built without
them (the audit turned off) leaves, for a profile with atoms in several releases (counted by an
interim release, and later ones), only their answered *total*, not how it splits between them
(``Measure.pooled``). The leaks then depend on
which of those atoms hold any answerer and on their sizes. Every possible split is covered: each
pattern of nonempty atoms that the total allows is audited with each atom's smallest possible
size (a smaller size only lets more groups count as small), and the suppressions of all patterns
are taken together (suppressing more never creates a leak). Past ``MAX_PATTERNS`` patterns for
one measure, every new cell of that measure is suppressed instead: the earlier releases' cells
alone were audited when they were published, and this release then adds nothing to them.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .audit import Atom, Cell, Incidence
from .forked import run_forked
from .linalg import one_blas_thread, random_prime
from .protect import DisclosureError, canonical, protect_incidence, suppression_tier

logger = logging.getLogger(__name__)

MAX_PATTERNS = 64
# Up to this many atoms, each measure is audited as one block (see protect_measures).
SINGLE_BLOCK_ATOMS = 160


class _MeasureCell(NamedTuple):
    """A cell of one measure's audit: its position among the release's cells (``protect``
    reads only these two fields; a plain tuple is much cheaper to make than a ``Cell``)."""

    id: int
    fixed: bool


@dataclass(frozen=True)
class Measure:
    """One measure's answers per atom. ``answered``: atom id -> how many of its respondents
    answered, for the atoms where that is not all of them (absent atoms: all answered).
    ``pooled``: (atom ids, answered total) for atoms whose split of the total is unknown.
    ``shown_fixed``: ids of the fixed cells whose cell of this measure an earlier release showed;
    None means those with at least k answers (only right when the counts are exact)."""

    id: Hashable
    answered: Mapping[Hashable, int] = field(default_factory=dict)
    pooled: Sequence[tuple[frozenset, int]] = ()
    shown_fixed: Collection[Hashable] | None = None


@dataclass(frozen=True)
class MeasureProtection:
    """``complementary``: measure id -> ids of new cells whose cell of that measure must be
    suppressed (beyond the group's own suppression and fewer than k answers). ``withheld``:
    measures whose new cells are all suppressed (too many unknown splits, or a leak of the
    earlier releases' cells alone that this release cannot repair)."""

    complementary: dict[Hashable, frozenset]
    withheld: frozenset
    audits: int
    audit_seconds: float

    def status(self, measure: Hashable, cell_id: Hashable) -> str:
        """ "complementary" or "published" for a new cell published by the group-level protection."""
        return "complementary" if cell_id in self.complementary.get(measure, ()) else "published"

    @property
    def suppressed_count(self) -> int:
        return sum(len(cells) for cells in self.complementary.values())


def _patterns(pooled, sizes) -> list[dict] | None:
    """Every choice of nonempty atoms per pool with each atom's smallest possible answered count,
    as {atom id: count} (0 for an empty atom); None when there are more than MAX_PATTERNS."""
    per_pool = []
    for atom_ids, total in pooled:
        members = sorted(atom_ids, key=repr)
        options = []
        for r in range(0 if total == 0 else 1, len(members) + 1):
            for chosen in itertools.combinations(members, r):
                room = int(sum(sizes[a] for a in chosen))
                if not (len(chosen) <= total <= room):
                    continue
                option = dict.fromkeys(members, 0)
                for a in chosen:
                    option[a] = max(1, total - (room - int(sizes[a])))
                options.append(option)
        per_pool.append(options)
    if math.prod(len(options) for options in per_pool) > MAX_PATTERNS:
        return None
    found = []
    for combination in itertools.product(*per_pool):
        merged: dict = {}
        for option in combination:
            merged.update(option)
        found.append(merged)
    return found


def protect_measures(
    atoms: Sequence[Atom],
    cells: Sequence[Cell],
    k: int,
    *,
    published: Collection[Hashable],
    measures: Sequence[Measure],
    tier: Callable[[Hashable], int] = suppression_tier,
    processes: int | None = None,
) -> MeasureProtection:
    """Suppress the measures' cells of the new (not fixed) ``published`` cells so that no group of
    1..k-1 of a measure's answerers can be worked out from that measure's shown cells, together
    with those earlier releases showed (module docstring). Call it with the cells and atoms given
    to ``protect`` and its ``published`` ids. ``processes``: how many processes share the
    measures' audits (forked; all usable cores by default); the result does not depend on it."""
    # Everything by position, put in protect's canonical order once: the audits of the measures
    # then work on integer ids (canonical() of a rich id is what costs most in a small audit).
    atoms = sorted(atoms, key=lambda a: (canonical(a.block), canonical(a.id)))
    position = {a.id: i for i, a in enumerate(atoms)}
    sizes = np.array([a.size for a in atoms], dtype=np.int64)
    # Blocks only make the audit fast (any partition of the atoms is exact): in a small instance
    # the search over the blocks' global directions costs more than one elimination of the
    # whole cell matrix, which a single block amounts to.
    if len(atoms) > SINGLE_BLOCK_ATOMS:
        block_index: dict = {}
        blocks = np.array(
            [block_index.setdefault(a.block, len(block_index)) for a in atoms], dtype=np.int64
        )
    else:
        blocks = np.zeros(len(atoms), dtype=np.int64)
    published = set(published)
    chosen = [c for c in cells if c.fixed or c.id in published]
    keyed = sorted(((canonical(c.id), c) for c in chosen), key=lambda pair: pair[0])
    keys = [key for key, _ in keyed]
    chosen = [c for _, c in keyed]
    ids = [c.id for c in chosen]
    fixed = np.array([c.fixed for c in chosen], dtype=bool)
    tiers = [tier(c.id) for c in chosen]
    members = [np.array(sorted(position[a] for a in c.atoms), dtype=np.int64) for c in chosen]
    flat = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(members)), [len(m) for m in members])

    # One pair of primes and one cache for every measure: a block no measure changed (or that
    # two measures change alike) has its echelon form and local search computed once. A miss
    # needs both primes to divide a minor of the one instance audited, whichever it is.
    digest = hashlib.sha256(f"{k}|".encode() + sizes.tobytes() + flat.tobytes()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    primes = (random_prime(rng), random_prime(rng))
    shared: dict = {}

    done: dict[tuple, frozenset | None] = {}
    todo: dict[tuple, tuple] = {}  # the audits to run: key -> their inputs
    of_measure: list[tuple] = []  # (measure id, key, candidates) of each measure audited
    complementary: dict[Hashable, frozenset] = {}
    withheld = set()
    audits = 0
    for measure in measures:
        answered = {
            position[a]: m
            for a, m in measure.answered.items()
            if a in position and m != sizes[position[a]]
        }
        pooled = []
        for atom_ids, total in measure.pooled:
            at = frozenset(position[a] for a in atom_ids if a in position)
            if at and total != int(sizes[list(at)].sum()):
                pooled.append((at, total))
        if not answered and not pooled:
            continue
        counts = sizes.copy()
        for i, m in answered.items():
            counts[i] = m
        # At most how many answers each cell holds (a pool's atoms all count in full: a cell
        # holding only some of them is shown whenever it could be).
        n_high = np.bincount(owner, weights=counts[flat], minlength=len(chosen))
        candidates = frozenset(np.flatnonzero(~fixed & (n_high >= k)).tolist())
        if measure.shown_fixed is not None:
            shown = set(measure.shown_fixed)
            shown_fixed = frozenset(i for i in np.flatnonzero(fixed).tolist() if ids[i] in shown)
        else:
            shown_fixed = frozenset(np.flatnonzero(fixed & (n_high >= k)).tolist())
        if (
            not pooled
            and all(m >= k for m in answered.values())
            and len(candidates) == int((~fixed).sum())
            and len(shown_fixed) == int(fixed.sum())
        ):
            # Only atoms of k or more answers lost some, every cell is shown: the same span and
            # the same small atoms, sizes included, as the groups' audit had.
            continue
        key = (frozenset(answered.items()), frozenset(pooled), candidates, shown_fixed)
        if key not in done and key not in todo:
            patterns = _patterns(pooled, sizes)
            if patterns is None:
                done[key] = None
            else:
                todo[key] = (answered, patterns, candidates, shown_fixed, measure.id)
        of_measure.append((measure.id, key, candidates))

    release = _Release(sizes, blocks, flat, owner, fixed, tiers, keys, k, primes, shared)

    # The measures' audits are independent: spread over the cores (surveys.disclosure.forked).
    started = time.perf_counter()
    outcomes = run_forked(
        lambda task: _protect_patterns(release, *task),
        list(todo.values()),
        children=None if processes is None else processes - 1,
    )
    seconds = time.perf_counter() - started
    for key, (result, runs) in zip(todo, outcomes, strict=True):
        done[key] = result
        audits += runs
    for measure_id, key, candidates in of_measure:
        result = done[key]
        if result is None:
            withheld.add(measure_id)
            result = candidates
        if result:
            complementary[measure_id] = frozenset(ids[i] for i in result)
    return MeasureProtection(complementary, frozenset(withheld), audits, seconds)


@dataclass(frozen=True)
class _Release:
    """What every measure's audit of one release shares, by position in canonical order: the
    atoms' sizes and blocks, the cells' members (``flat`` atom positions, ``owner`` cell of
    each), which cells are fixed, their tiers and canonical keys, k, the primes and the cache."""

    sizes: np.ndarray
    blocks: np.ndarray
    flat: np.ndarray
    owner: np.ndarray
    fixed: np.ndarray
    tiers: list
    keys: list
    k: int
    primes: tuple[int, int]
    shared: dict


def _protect_patterns(
    release: _Release, answered, patterns, candidates, shown_fixed, measure_id
) -> tuple[frozenset | None, int]:
    """The cells (positions) to suppress so that no pattern leaks; None when the earlier
    releases' cells alone leak (nothing this release hides can repair that)."""
    sizes, blocks, fixed, tiers, keys, k = (
        release.sizes, release.blocks, release.fixed, release.tiers, release.keys, release.k
    )
    flat, owner = release.flat, release.owner
    n_cells = len(fixed)
    suppressed: set[int] = set()
    runs = 0
    for pattern in patterns:
        counts = sizes.copy()
        for i, m in answered.items():
            counts[i] = m
        for i, m in pattern.items():
            counts[i] = m
        present = counts > 0
        wanted = np.zeros(n_cells, dtype=bool)
        wanted[list(shown_fixed)] = True
        wanted[[i for i in candidates if i not in suppressed]] = True
        kept = wanted[owner] & present[flat]
        cell_positions = np.unique(owner[kept])  # the cells left with some answerer
        if fixed[cell_positions].all():
            continue
        runs += 1
        renumber = np.cumsum(present) - 1
        owners = np.searchsorted(cell_positions, owner[kept])
        cells = list(map(_MeasureCell, cell_positions.tolist(), fixed[cell_positions].tolist()))
        incidence = Incidence.from_positions(
            np.flatnonzero(present),
            counts[present],
            blocks[present],
            cells,
            renumber[flat[kept]],
            owners,
            k,
            shared=release.shared,
        )
        try:
            with one_blas_thread():
                protection = protect_incidence(
                    incidence,
                    cells,
                    k,
                    [keys[i] for i in cell_positions],
                    tiers.__getitem__,
                    release.primes,
                )
        except DisclosureError as error:
            logger.warning("Measure %r: %s; its new cells are all withheld", measure_id, error)
            return None, runs
        # A cell the pattern's smallest sizes put under k is hidden too (it was counted as shown).
        suppressed |= set(protection.complementary) | set(protection.primary)
    return frozenset(suppressed), runs
