"""The rank audit: which groups of 1..k-1 respondents can be worked out from the published cells.

The model (DESIGN.md, "Complementary suppression, proven")
----------------------------------------------------------
Every published cell is a 0/1 vector over respondents; an attacker holding every visible cell can
form any linear combination of them (each cell publishes sums, so combinations of cells give the
same combinations of group sums). A group S of 1..k-1 respondents *leaks* when its indicator 1_S
lies in the span R of the published vectors.

Respondents with identical attributes (school, every demographic answer, the releases they are
part of) form an *atom*: every cell contains whole atoms, so every vector of R is constant on
atoms, and a leaking group is a union of whole atoms of total size 1..k-1 (only atoms smaller than
k, at most k-1 of them). The audit therefore works on atoms, which is exactly equivalent: the map
from atom vectors to respondent vectors is linear and injective.

What is returned
----------------
Leaking groups are closed under disjoint union (while the total stays under k) and under the
difference of nested groups, so every leaking group is a disjoint union of *minimal* leaking groups
(no proper nonempty subset of them leaks). ``find_leaks`` returns exactly the minimal leaking
groups: none leaks exactly when none is returned, and breaking all of them breaks all leaks.

The algebra (why the audit is exact and fast)
---------------------------------------------
Atoms are grouped into *blocks* (normally schools). A cell whose atoms are all in one block is
*local* to it (school, school x answer); any other cell is *global* (organisation, organisation x
one or two answers, a cluster of small schools). Let L_b be the span of block b's local cells and
G the global cells (g_1..g_m), so R = (direct sum of the L_b) + span(G).

1. Per block, the reduced row echelon form of L_b gives a projection pi_b onto the quotient
   F^{atoms of b} / L_b (its coordinates are the non-pivot atoms). x is in R iff there is a
   coefficient vector y over the global cells with pi_b(x_b) = pi_b((y.G)_b) for every block b.
   Write M_b for the matrix y -> pi_b((y.G)_b). Block b *sees* y when y.M_b != 0.
2. N = {y : no block sees y}: the global cells' dependencies modulo the local cells.
3. A group S spread over the blocks T leaks iff some y with pi_b(S_b) = y.M_b for b in T and
   y.M_b = 0 outside T. If y is in N, every part S_b is itself in L_b, so a minimal leak is
   single-block and lies in L_b. Otherwise y is seen by 1..k-1 blocks only (those of T).
4. Finding every y seen by at most k-1 blocks (the "rare directions", e.g. an answer code present in
   two schools whose school cells are suppressed): start from all y (seen by the set Sigma of
   blocks). If |Sigma| <= k-1 this is a *leaf*. Otherwise split Sigma into k groups; a y seen by
   at most k-1 blocks misses at least one group entirely, so it lies in the subspace of y that
   group does not see (pigeonhole), which is strictly smaller because each block of the group sees
   something. Recurse on each of those subspaces. Every y seen by at most k-1 blocks ends in some
   leaf (Y, Sigma) with its blocks inside Sigma; the dimension drops at every step, so this ends.
5. Enumeration. In any subspace E of atom space, a 0/1 vector is determined by its values at the
   pivot columns of E's reduced echelon form; ordering the atoms of size >= k first, the rows with
   pivots among the small atoms span exactly the vectors of E that vanish on big atoms. So every
   0/1 vector of E supported on small atoms of total size < k is the sum of a subset of at most
   k-1 of those rows whose pivot atoms total under k: enumerate those subsets, keep the sums that
   are 0/1 with total size < k. This gives the leaks inside L_b, block by block.
6. A leaf (Y, Sigma) gives the leaks that need a direction y = c.Y, c != 0: one part S_b per block
   of Sigma (possibly empty) with pi_b(S_b) = c.(Y M_b) for all of them. A part lies in the small
   space L_b + (Y.G)_b of its block, so parts are enumerated per block as in 5; then the parts'
   projections side by side must lie in the row space of [Y M_b ...], i.e. have a zero
   "signature" against a basis of what that row space annihilates. Parts are joined by meeting
   in the middle (half the blocks against the other half, matched on a random fingerprint of the
   signature, every match checked exactly). Atoms and parts that leak alone are kept out of the
   joins, since any larger group containing them is not minimal.
7. Every group found is a genuine leak, every minimal leak is found (3, 4, 5, 6), and a final
   filter keeps the minimal ones.

Exactness of the arithmetic
---------------------------
All of this is done in GF(p), p a prime drawn at random from [2**30, 2**31) (``protect`` keeps one
for all its rounds, and the audit that ends it is checked with a second one, below): no rounding, no
tolerance. GF(p) agrees with the rationals as soon as rank_p(A) = rank_Q(A) for the
cell matrix A: then 1_S in span_Q(A) implies rank_p([A; 1_S]) <= rank_Q([A; 1_S]) = rank_p(A), so
1_S is in span_p(A): *no leak can be missed*. The rank drops mod p only when p divides a fixed
nonzero maximal minor D of A, and by Hadamard's bound log2|D| <= sum over cells of
0.5*log2(atoms in the cell) (``failure_bound``): about 4,000 bits for the 2,800 cells of 20,000
respondents in bench/bench_disclosure.py (8,000 with an interim release), so at most ~135 (~270)
of the ~50 million primes in the range divide D: odds below 3e-6 (6e-6) for one prime. ``audit``
therefore also computes the rank with a second, independent prime and keeps the larger rank; a leak
is missed only if both primes divide D (below 1e-11 and 3e-11). A false positive (a group reported
that does not leak over the rationals) needs a similar coincidence and costs one extra suppression.

Usually no second prime is needed: the rank mod p is *proven* to be the rational one
(``CellSpan.rank_is_rational``), which leaves no chance at all of a missed leak. A school's local
cells are few (at most ``linalg.EXACT_01_ORDER``), so every minor of its 0/1 cell matrix is below
2**25 < p (Hadamard) and its echelon form is computed once over the rationals, exactly, and only
rescaled mod each prime (``linalg.echelon_01_many``); and N's basis mod p, lifted to small integers,
is checked to consist of rational dependencies (a release's margins are integer combinations of
cells), so N is no larger mod p than over the rationals. When that check fails, the second prime
decides as above.

Floating point is used only where it is exact: products of integers whose sums stay below 2**53
(``linalg.matmul`` splits operands into 16-bit halves to get there), run by BLAS for speed.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

from .linalg import (
    echelon_01_many,
    echelon_mod,
    exact_01_applies,
    left_nullspace,
    matmul,
    matmul_01,
    nullspace,
    one_blas_thread,
    random_prime,
    rref,
    rref_many,
    rref_many_01,
    solve_left,
    split,
)


@dataclass(frozen=True)
class Atom:
    """Respondents with identical attributes; ``block`` is normally their school."""

    id: Hashable
    size: int
    block: Hashable = None


@dataclass(frozen=True)
class Cell:
    """A published group: the atoms it contains. ``fixed`` cells were published in an earlier
    release that is still visible, so they can no longer be suppressed."""

    id: Hashable
    atoms: frozenset
    fixed: bool = False


@lru_cache(maxsize=32)
def _combinations(d: int, r: int) -> np.ndarray:
    combos = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(d), r)), dtype=np.int64
    )
    return combos.reshape(-1, r)


def small_zero_one_vectors(
    reduced: np.ndarray,
    pivots: Sequence[int],
    sizes: np.ndarray,
    k: int,
    p: int,
    *,
    minimal_only: bool = False,
) -> list[tuple[int, ...]]:
    """Supports of every 0/1 vector of total size 1..k-1 in the row space of ``reduced`` (an
    echelon form mod p whose pivot columns are all small atoms, its rows zero on big atoms).

    With ``minimal_only`` (the row space is a space of leaks, so e_a in it means {a} leaks), a
    row that is a unit vector e_a gives {a}, and unions with {a} (never minimal) are skipped:
    every other row is zero at a (echelon form), so they span the vectors avoiding a. When many
    single atoms leak this keeps the enumeration small. Every minimal vector is still listed."""
    found: list[tuple[int, ...]] = []
    if minimal_only and len(pivots):
        unit = np.count_nonzero(reduced, axis=1) == 1
        found.extend((int(pivots[row]),) for row in np.flatnonzero(unit))
        reduced = reduced[~unit]
        pivots = [c for c, is_unit in zip(pivots, unit, strict=True) if not is_unit]
    d = len(pivots)
    if d == 0:
        return found
    pivot_columns = np.asarray(pivots)
    pivot_sizes = sizes[pivot_columns]
    # A sum of rows is 1 at the pivots of the rows taken and 0 at the other pivots (echelon
    # form): only the other columns need checking, a few first (most sums fail there).
    is_free = np.ones(reduced.shape[1], dtype=bool)
    is_free[pivot_columns] = False
    free_columns = np.flatnonzero(is_free)
    free = reduced[:, free_columns]
    free_sizes = sizes[free_columns]
    budget = k - 1
    for r in range(1, min(d, budget) + 1):
        combos = _combinations(d, r)
        combos = combos[pivot_sizes[combos].sum(axis=1) <= budget]
        step = max(1, 2_000_000 // max(1, r * min(free.shape[1], 16) + 1))
        for start in range(0, len(combos), step):
            chunk = combos[start : start + step]
            if free.shape[1] > 16:
                sums = free[:, :16][chunk].sum(axis=1) % p
                chunk = chunk[((sums == 0) | (sums == 1)).all(axis=1)]
            sums = free[chunk].sum(axis=1) % p
            zero_one = ((sums == 0) | (sums == 1)).all(axis=1)
            chunk, sums = chunk[zero_one], sums[zero_one]
            small = pivot_sizes[chunk].sum(axis=1) + sums @ free_sizes <= budget
            for rows, row in zip(chunk[small], sums[small], strict=True):
                support = np.concatenate([pivot_columns[rows], free_columns[row == 1]])
                found.append(tuple(np.sort(support).tolist()))
    return found


def small_zero_one_vectors_many(problems, k: int, p: int) -> list[list[tuple[int, ...]]]:
    """``small_zero_one_vectors(reduced, pivots, sizes, k, p, minimal_only=True)`` of each
    (reduced, pivots, sizes) of ``problems``, the same supports, enumerated together: the rows of
    all of them are stacked (their free columns padded with zeros, of size 0) and each number of
    rows r is one set of array operations over every problem's combinations of r rows."""
    budget = k - 1
    results: list[list[tuple[int, ...]]] = [[] for _ in problems]
    pivot_columns, free_columns, free_rows, pivot_sizes, free_sizes = [], [], [], [], []
    for i, (reduced, pivots, sizes) in enumerate(problems):
        if len(pivots):
            unit = np.count_nonzero(reduced, axis=1) == 1
            if unit.any():
                results[i].extend((int(pivots[row]),) for row in np.flatnonzero(unit))
                reduced = reduced[~unit]
                pivots = [c for c, is_unit in zip(pivots, unit, strict=True) if not is_unit]
        columns = np.asarray(pivots, dtype=np.int64)
        is_free = np.ones(reduced.shape[1], dtype=bool)
        is_free[columns] = False
        free = np.flatnonzero(is_free)
        pivot_columns.append(columns)
        free_columns.append(free)
        free_rows.append(reduced[:, free])
        pivot_sizes.append(sizes[columns])
        free_sizes.append(sizes[free])
    counts = np.array([len(c) for c in pivot_columns], dtype=np.int64)
    if not counts.sum():
        return results
    width = max(len(f) for f in free_columns)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    stacked = np.zeros((int(offsets[-1]), width), dtype=np.int64)
    sizes_of_free = np.zeros((len(problems), width), dtype=np.int64)
    for i, (rows, sizes) in enumerate(zip(free_rows, free_sizes, strict=True)):
        stacked[offsets[i] : offsets[i + 1], : rows.shape[1]] = rows
        sizes_of_free[i, : len(sizes)] = sizes
    all_pivot_sizes = np.concatenate(pivot_sizes)
    for r in range(1, min(int(counts.max()), budget) + 1):
        parts, owners = [], []
        for d in np.unique(counts[counts >= r]).tolist():
            having = np.flatnonzero(counts == d)
            combos = _combinations(d, r)
            parts.append((combos[None, :, :] + offsets[having][:, None, None]).reshape(-1, r))
            owners.append(np.repeat(having, len(combos)))
        combos, owner = np.concatenate(parts), np.concatenate(owners)
        fits = all_pivot_sizes[combos].sum(axis=1) <= budget
        combos, owner = combos[fits], owner[fits]
        step = max(1, 2_000_000 // max(1, r * min(width, 16) + 1))
        for begin in range(0, len(combos), step):
            chunk, chunk_owner = combos[begin : begin + step], owner[begin : begin + step]
            if width > 16:
                sums = stacked[:, :16][chunk].sum(axis=1) % p
                passing = ((sums == 0) | (sums == 1)).all(axis=1)
                chunk, chunk_owner = chunk[passing], chunk_owner[passing]
            sums = stacked[chunk].sum(axis=1) % p
            zero_one = ((sums == 0) | (sums == 1)).all(axis=1)
            chunk, chunk_owner, sums = chunk[zero_one], chunk_owner[zero_one], sums[zero_one]
            total = all_pivot_sizes[chunk].sum(axis=1) + (sums * sizes_of_free[chunk_owner]).sum(
                axis=1
            )
            small = total <= budget
            for rows, i, row in zip(
                chunk[small].tolist(), chunk_owner[small].tolist(), sums[small], strict=True
            ):
                free = free_columns[i]
                support = np.concatenate(
                    [
                        pivot_columns[i][np.asarray(rows) - offsets[i]],
                        free[row[: len(free)] == 1],
                    ]
                )
                results[i].append(tuple(np.sort(support).tolist()))
    return results


def minimal_groups(groups: Iterable[Iterable]) -> set[frozenset]:
    """The groups of which no proper nonempty subset is also in ``groups``."""
    pool = {frozenset(g) for g in groups}
    pool.discard(frozenset())
    minimal = set()
    for group in pool:
        members = sorted(group, key=repr)
        if not any(
            frozenset(sub) in pool
            for r in range(1, len(members))
            for sub in itertools.combinations(members, r)
        ):
            minimal.add(group)
    return minimal


class _BlockColumns:
    """``columns[b]``: block b's columns of a matrix whose columns are in block order."""

    def __init__(self, matrix: np.ndarray, start: np.ndarray):
        self.matrix, self.start = matrix, start.tolist()

    def __getitem__(self, b: int) -> np.ndarray:
        return self.matrix[:, self.start[b] : self.start[b + 1]]


class _AtomView(Sequence):
    """Atoms of an incidence built from arrays: only their ids are kept."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [Atom(id=int(i)) for i in self.ids[index]]
        return Atom(id=int(self.ids[index]), size=0)


class Incidence:
    """Atoms in block order and each cell's atom positions, computed once and shared by every
    audit of the same release (``protect`` audits subsets of the same cells many times)."""

    def __init__(
        self, atoms: Sequence[Atom], cells: Sequence[Cell], k: int, *, shared: dict | None = None
    ):
        if k < 1:
            raise ValueError("k must be at least 1")
        self.k = k
        # Blocks in first-seen order; inside a block, atoms of size >= k first (step 5 above).
        by_block: dict[Hashable, list[Atom]] = {}
        for atom in atoms:
            if atom.size < 1:
                raise ValueError(f"atom {atom.id!r} has no respondents")
            by_block.setdefault(atom.block, []).append(atom)
        ordered: list[Atom] = []
        self.block_keys = list(by_block)
        self.block_start: list[int] = []
        self.block_small: list[int] = []
        for members in by_block.values():
            self.block_start.append(len(ordered))
            big = [a for a in members if a.size >= k]
            self.block_small.append(len(ordered) + len(big))
            ordered.extend(big)
            ordered.extend(a for a in members if a.size < k)
        self.block_start.append(len(ordered))
        self.atoms = ordered
        self.sizes = np.array([a.size for a in ordered], dtype=np.int64)
        position = {a.id: i for i, a in enumerate(ordered)}
        if len(position) != len(ordered):
            raise ValueError("atom ids must be unique")
        self.block_of = np.repeat(np.arange(len(self.block_keys)), np.diff(self.block_start))

        self.cells = list(cells)
        # Per-block work that audits of subsets of these cells share, keyed by the block's
        # content (its atoms in order and the atoms of its local cells), so that incidences of
        # similar instances given the same ``shared`` dict share it too (the audits of each
        # measure, surveys.disclosure.measures, differ from each other in a few blocks only).
        self.cache: dict = {} if shared is None else shared
        self._block_token: list = [None] * len(self.block_keys)
        self._cell_content: list[bytes] = []
        self.positions: list[np.ndarray] = []
        # The block of a local cell; -1 for a global cell, -2 for an empty one.
        self.cell_block = np.zeros(len(self.cells), dtype=np.int64)
        for index, cell in enumerate(self.cells):
            try:
                positions = np.sort(np.array([position[a] for a in cell.atoms], dtype=np.int64))
            except KeyError as missing:
                raise ValueError(f"cell {cell.id!r} contains an unknown atom {missing}") from None
            self.positions.append(positions)
            if positions.size == 0:
                self.cell_block[index] = -2
                continue
            # Blocks are contiguous and positions sorted: one block iff first and last agree.
            first, last = self.block_of[positions[0]], self.block_of[positions[-1]]
            self.cell_block[index] = first if first == last else -1
        for index, positions in enumerate(self.positions):
            block = int(self.cell_block[index])
            offset = self.block_start[block] if block >= 0 else 0
            self._cell_content.append((positions - offset).tobytes())

    @classmethod
    def from_positions(
        cls,
        ids: np.ndarray,
        sizes: np.ndarray,
        blocks: np.ndarray,
        cells: Sequence[Cell],
        flat: np.ndarray,
        owner: np.ndarray,
        k: int,
        *,
        shared: dict | None = None,
    ) -> Incidence:
        """The same incidence, built from arrays (many instances of one release): atoms ``ids``
        (integers) with their ``sizes`` and ``blocks`` (integers, each block's atoms together,
        blocks in first-seen order); cell ``owner[j]`` contains the atom at input position
        ``flat[j]`` (``owner`` sorted, every cell nonempty). The cells' own ``atoms`` are unused."""
        self = cls.__new__(cls)
        if k < 1:
            raise ValueError("k must be at least 1")
        if (sizes < 1).any():
            raise ValueError("atoms must have respondents")
        self.k = k
        n = len(ids)
        order = np.lexsort((np.arange(n), sizes < k, blocks))
        where = np.empty(n, dtype=np.int64)
        where[order] = np.arange(n)
        ordered_blocks = blocks[order]
        change = np.flatnonzero(np.diff(ordered_blocks)) + 1 if n else np.zeros(0, dtype=np.int64)
        starts = (
            np.concatenate([[0], change]).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        )
        self.block_keys = ordered_blocks[starts].tolist()
        big = np.add.reduceat((sizes[order] >= k).astype(np.int64), starts) if n else starts
        self.block_start = [*starts.tolist(), n]
        self.block_small = (starts + big).tolist()
        self.atom_ids = ids[order]
        self.atoms = _AtomView(self.atom_ids)
        self.sizes = sizes[order].astype(np.int64)
        self.block_of = np.repeat(np.arange(len(self.block_keys)), np.diff(self.block_start))
        self.cells = list(cells)
        self.cache = {} if shared is None else shared
        self._block_token = [None] * len(self.block_keys)
        mapped = where[flat]
        by_cell = np.lexsort((mapped, owner))
        mapped = mapped[by_cell]
        bounds = np.searchsorted(owner, np.arange(len(self.cells) + 1))
        self.positions = np.split(mapped, bounds[1:-1])
        if len(mapped):
            first = self.block_of[mapped[bounds[:-1]]]
            last = self.block_of[mapped[bounds[1:] - 1]]
            self.cell_block = np.where(first == last, first, -1).astype(np.int64)
        else:
            self.cell_block = np.zeros(0, dtype=np.int64)
        offsets = np.asarray(self.block_start, dtype=np.int64)[np.maximum(self.cell_block, 0)]
        offsets[self.cell_block < 0] = 0
        self._cell_content = [
            (positions - offset).tobytes()
            for positions, offset in zip(self.positions, offsets.tolist(), strict=True)
        ]
        return self

    def block_key(self, b: int, local: Sequence[int]) -> tuple:
        """What block b's echelon form depends on: its atoms in order and its local cells."""
        token = self._block_token[b]
        if token is None:
            start, stop = self.block_start[b], self.block_start[b + 1]
            if getattr(self, "atom_ids", None) is not None:
                content = ("block", self.atom_ids[start:stop].tobytes())
            else:
                content = ("block", tuple(a.id for a in self.atoms[start:stop]))
            token = self._block_token[b] = self.cache.setdefault(content, len(self.cache))
        return token, tuple(self._cell_content[i] for i in local)

    def n(self, cell_index: int) -> int:
        return int(self.sizes[self.positions[cell_index]].sum())

    def cell_sizes(self) -> list[int]:
        """``n`` of every cell, at once (sums of integers below 2**53: exact in float64)."""
        if not self.positions:
            return []
        owner = np.repeat(np.arange(len(self.positions)), [len(p) for p in self.positions])
        flat = np.concatenate(self.positions)
        totals = np.bincount(owner, weights=self.sizes[flat], minlength=len(self.positions))
        return totals.astype(np.int64).tolist()


class CellSpan:
    """The span of some of the incidence's cells, mod one prime, decomposed as above."""

    def __init__(
        self,
        incidence: Incidence,
        cell_indices: Iterable[int],
        prime: int,
        *,
        previous: CellSpan | None = None,
    ):
        """``previous``: a span of the same incidence and prime over a superset of these cells
        (the audit before a repair), whose N this one's is found from (``_null_after``)."""
        self.incidence = inc = incidence
        self.k = inc.k
        self.p = p = prime
        self.atoms, self.sizes, self.block_of = inc.atoms, inc.sizes, inc.block_of
        self.block_keys, self.block_start, self.block_small = (
            inc.block_keys,
            inc.block_start,
            inc.block_small,
        )
        # Cells are referred to by their index in the incidence.
        self.cell_indices = list(cell_indices)
        indices = np.asarray(self.cell_indices, dtype=np.int64)
        blocks = inc.cell_block[indices]
        self.global_cells: list[int] = indices[blocks == -1].tolist()
        is_local = blocks >= 0
        order = np.argsort(blocks[is_local], kind="stable")  # each block's cells in the given order
        local_cells = indices[is_local][order].tolist()
        bounds = np.searchsorted(
            blocks[is_local][order], np.arange(len(self.block_keys) + 1)
        ).tolist()
        self.local: list[list[int]] = [
            local_cells[bounds[b] : bounds[b + 1]] for b in range(len(self.block_keys))
        ]

        g = len(self.global_cells)
        # 0/1, kept as float64 too: products with it are exact in BLAS (see matmul_01).
        self.global_float = np.zeros((g, len(self.atoms)), dtype=np.float64)
        for row, index in enumerate(self.global_cells):
            self.global_float[row, inc.positions[index]] = 1.0

        # A block's echelon form depends only on its local cells and the prime: protect() audits
        # with one working prime round after round, so unchanged blocks are reused.
        cache = inc.cache
        echelons: list = [None] * len(self.block_keys)
        missing = []
        self.block_content = [inc.block_key(b, self.local[b]) for b in range(len(self.block_keys))]
        for b in range(len(self.block_keys)):
            key = ("echelon", p, self.block_content[b])
            if key in cache:
                echelons[b] = cache[key]
            else:
                missing.append(b)
        for b, matrix, (reduced, pivots) in zip(
            missing, *self._local_echelons(missing), strict=True
        ):
            is_free = np.ones(matrix.shape[1], dtype=bool)
            is_free[pivots] = False
            free = np.flatnonzero(is_free)
            # reduced[:, free] as (row, column, value): the blocks' parts of one sparse matrix.
            rows, columns = np.nonzero(reduced[:, free])
            echelons[b] = cache[("echelon", p, self.block_content[b])] = (
                matrix,
                reduced,
                pivots,
                free,
                (rows, columns, reduced[:, free][rows, columns].astype(np.float64)),
            )
        self.local_matrix = [e[0] for e in echelons]
        self.local_reduced = [e[1] for e in echelons]
        self.local_pivots = [e[2] for e in echelons]
        self.local_free = [e[3] for e in echelons]
        # pi_b of every global cell, for all blocks at once: (the globals on free atoms) minus
        # (the globals on pivot atoms) times the block-diagonal matrix of the reduced[:, free].
        # 0/1 entries times entries below 2**31, summed over at most 2**21 pivots, stay below
        # 2**53: exact in floating point.
        n_blocks = len(self.block_keys)
        starts = np.asarray(self.block_start[:-1], dtype=np.int64)
        n_pivots = np.array([len(piv) for piv in self.local_pivots], dtype=np.int64)
        widths = np.array([len(f) for f in self.local_free], dtype=np.int64)
        pivot_start = np.concatenate([[0], np.cumsum(n_pivots)]).astype(np.int64)
        self.quotient_start = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        if n_blocks:
            pivot_atoms = np.concatenate(
                [np.asarray(piv, dtype=np.int64) for piv in self.local_pivots]
            )
            pivot_atoms += np.repeat(starts, n_pivots)
            free_atoms = np.concatenate(self.local_free) + np.repeat(starts, widths)
            self._pivot_atoms, self._free_atoms = pivot_atoms, free_atoms
            entries = [e[4] for e in echelons]
            counts = np.array([len(e[0]) for e in entries], dtype=np.int64)
            rows = np.concatenate([e[0] for e in entries]) + np.repeat(pivot_start[:-1], counts)
            columns = np.concatenate([e[1] for e in entries]) + np.repeat(
                self.quotient_start[:-1], counts
            )
            values = np.concatenate([e[2] for e in entries])
            diagonal = sparse.csr_matrix(
                (values, (rows, columns)),
                shape=(int(pivot_start[-1]), int(self.quotient_start[-1])),
            )
            correction = np.asarray(self.global_float[:, pivot_atoms] @ diagonal)
            self.quotient_all = (self.global_float[:, free_atoms] - correction).astype(np.int64) % p
        else:
            self.quotient_all = np.zeros((g, 0), dtype=np.int64)
        self.quotient = _BlockColumns(self.quotient_all, self.quotient_start)
        self.quotient_block = np.repeat(np.arange(n_blocks), widths)
        self.quotient_split = split(self.quotient_all)
        self.null = self._null_after(previous) if previous is not None else None
        if self.null is None:
            self.null = self._unseen_by(np.eye(g, dtype=np.int64), range(len(self.block_keys)))
        self.null_pivots = rref(self.null, p)[1] if self.null.shape[0] else []

    def _local_echelons(self, blocks: Sequence[int]) -> tuple[list, list]:
        """The local cell matrices of ``blocks`` and their rref mod p. A small one (at most
        ``EXACT_01_ORDER`` cells or atoms, as a school's are) is eliminated once over the
        rationals, exactly, whatever the prime (``echelon_01_many``), and kept by content: the
        audit's second prime, and every later audit of the same block, only rescales it."""
        inc, p, cache = self.incidence, self.p, self.incidence.cache
        matrices, exact, to_eliminate, modular = [], {}, [], []
        for i, b in enumerate(blocks):
            found = cache.get(("exact echelon", self.block_content[b]))
            if found is not None and exact_01_applies(found[0].shape, p):
                matrices.append(found[0])
                exact[i] = found[1:]
                continue
            start, stop = self.block_start[b], self.block_start[b + 1]
            matrix = np.zeros((len(self.local[b]), stop - start), dtype=np.int64)
            for row, index in enumerate(self.local[b]):
                matrix[row, inc.positions[index] - start] = 1
            matrices.append(matrix)
            (to_eliminate if exact_01_applies(matrix.shape, p) else modular).append(i)
        for i, found in zip(
            to_eliminate, echelon_01_many([matrices[i] for i in to_eliminate]), strict=True
        ):
            cache[("exact echelon", self.block_content[blocks[i]])] = (matrices[i], *found)
            exact[i] = found
        reduced: list = [None] * len(blocks)
        for i, (scaled, d, pivots) in exact.items():
            reduced[i] = (echelon_mod(scaled, d, p), pivots)
        for i, found in zip(modular, rref_many([matrices[i] for i in modular], p), strict=True):
            reduced[i] = found
        return matrices, reduced

    def _null_after(self, previous: CellSpan) -> np.ndarray | None:
        """N from the N of a span over a superset of these cells (None when ``previous`` is not
        one). Fewer cells only shrink the spans, so N is the part of the previous N that uses
        none of the global cells left out and that the blocks whose local cells changed do not
        see now; every other block's local span is the same."""
        if (
            previous.incidence is not self.incidence
            or previous.p != self.p
            or not set(self.cell_indices) <= set(previous.cell_indices)
        ):
            return None
        p = self.p
        index = {cell: i for i, cell in enumerate(previous.global_cells)}
        keep = [index[cell] for cell in self.global_cells]
        basis = previous.null
        left_out = np.setdiff1d(np.arange(len(previous.global_cells)), keep)
        if basis.shape[0] and left_out.size and basis[:, left_out].any():
            basis = matmul(left_nullspace(basis[:, left_out], p), basis, p)
        basis = basis[:, keep]
        changed = [
            b
            for b in range(len(self.block_keys))
            if self.block_content[b] != previous.block_content[b]
        ]
        return self._unseen_by(basis, changed)

    def rank_is_rational(self) -> bool:
        """Whether this span's rank mod p is certainly its rank over the rationals, so that the
        audit mod p misses no leak (module docstring), without a second prime: True is a proof,
        False means only "not shown this way".

        The rank is the sum of the blocks' local ranks plus g - dim N. (a) A block whose local
        echelon form was made exactly (``echelon_01_many``) and whose 0/1 cell matrix has every
        minor below p (``exact_01_applies``) has the same rank mod p as over the rationals. (b) Over the
        rationals dim N can only be smaller than mod p (the rank can only drop mod p). So when
        every block is as in (a) and each vector of N's basis, lifted to the integers of least
        absolute value, is an exact rational dependency (y.G lies in the rational span of each
        block's local cells: D_b times its free coordinates equals its pivot coordinates times
        D_b times the rational rref), those vectors, independent mod p hence over the
        rationals, give dim N over the rationals >= dim N mod p, and the ranks agree. The
        dependencies of a release's margins are small integer combinations of cells, so the
        lift nearly always works; checking it is a few products, exact in floating point
        (bounds checked below), much cheaper than a second span."""
        cache = self.incidence.cache
        exact = [cache.get(("exact echelon", content)) for content in self.block_content]
        if any(e is None or not exact_01_applies(e[0].shape, self.p) for e in exact):
            return False
        if self.null.shape[0] == 0:
            return True
        p = self.p
        lifted = np.where(self.null > p // 2, self.null - p, self.null)
        if np.abs(lifted).max() > 2**12:
            return False
        if self.quotient_all.shape[1] == 0:
            return True  # every atom is a pivot: each L_b is all of its block's space
        # y.G on the atoms: |entries| <= g * 2**12, exact.
        values = lifted.astype(np.float64) @ self.global_float
        scale = np.concatenate(
            [
                np.full(len(free), float(e[2]))
                for e, free in zip(exact, self.local_free, strict=True)
            ]
        )
        pieces = [e[1][:, free] for e, free in zip(exact, self.local_free, strict=True)]
        largest = max((int(np.abs(piece).max()) for piece in pieces if piece.size), default=0)
        most_pivots = max(len(piv) for piv in self.local_pivots)
        bound = float(np.abs(values).max()) * (largest * most_pivots + float(np.abs(scale).max()))
        if bound >= 2**52:
            return False
        n_pivots = np.array([len(piv) for piv in self.local_pivots], dtype=np.int64)
        pivot_start = np.concatenate([[0], np.cumsum(n_pivots)]).astype(np.int64)
        rows, columns, entries = [], [], []
        for b, piece in enumerate(pieces):
            r, c = np.nonzero(piece)
            rows.append(r + pivot_start[b])
            columns.append(c + self.quotient_start[b])
            entries.append(piece[r, c].astype(np.float64))
        scaled_rref = sparse.csr_matrix(
            (np.concatenate(entries), (np.concatenate(rows), np.concatenate(columns))),
            shape=(int(pivot_start[-1]), int(self.quotient_start[-1])),
        )
        # D_b times y.G minus its part in L_b, on the free atoms: zero iff y.G is in L_b.
        residual = values[:, self._free_atoms] * scale - np.asarray(
            values[:, self._pivot_atoms] @ scaled_rref
        )
        return not residual.any()

    # -- the global part -------------------------------------------------------------------

    @property
    def rank(self) -> int:
        return sum(len(piv) for piv in self.local_pivots) + len(self.global_cells) - len(self.null)

    def _unseen_by(self, basis: np.ndarray, blocks: Iterable[int]) -> np.ndarray:
        """Echelon basis of {y in span(basis) : none of ``blocks`` sees y}. The blocks' quotient
        columns are taken in chunks a little wider than the basis (it usually collapses within
        the first, and each elimination stays small), then wide ones once it is small."""
        p = self.p
        columns = [np.arange(self.quotient_start[b], self.quotient_start[b + 1]) for b in blocks]
        columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        high, low = self.quotient_split
        start = 0
        while start < len(columns) and basis.shape[0]:
            width = max(64, basis.shape[0] + 16) if basis.shape[0] > 4 else 4096
            chunk = columns[start : start + width]
            start += width
            seen = matmul(basis, None, p, b_split=(high[:, chunk], low[:, chunk]))
            if seen.any():
                basis = matmul(left_nullspace(seen, p), basis, p)
        return rref(basis, p)[0] if basis.shape[0] else basis

    def _modulo_null(self, basis: np.ndarray) -> np.ndarray:
        """Echelon basis of the image of span(basis) in the coordinates complementary to N:
        N is seen by no block, so the search only needs a complement of it."""
        if self.null.shape[0] and basis.shape[0]:
            basis = (basis - matmul(basis[:, self.null_pivots], self.null, self.p)) % self.p
        return rref(basis, self.p)[0]

    def _seeing(self, basis: np.ndarray, blocks: Sequence[int] | None = None) -> list[int]:
        """The blocks that see some y of span(basis), among ``blocks`` when it is known that no
        other block does (all of them by default)."""
        if basis.shape[0] == 0 or self.quotient_all.shape[1] == 0:
            return []
        if blocks is None:
            seen = matmul(basis, None, self.p, b_split=self.quotient_split).any(axis=0)
            return np.unique(self.quotient_block[seen]).tolist()
        if not blocks:
            return []
        columns = np.concatenate(
            [np.arange(self.quotient_start[b], self.quotient_start[b + 1]) for b in blocks]
        )
        high, low = self.quotient_split
        seen = matmul(basis, None, self.p, b_split=(high[:, columns], low[:, columns])).any(axis=0)
        return np.unique(self.quotient_block[columns[seen]]).tolist()

    def leaves(self) -> list[tuple[np.ndarray, list[int]]]:
        """Subspaces Y of global coefficients, each seen by at most k-1 blocks Sigma, that
        together contain every y seen by 1..k-1 blocks (step 4 of the module docstring)."""
        g = len(self.global_cells)
        # _modulo_null of every y: N's echelon basis has a 1 at each of its pivots and 0 at the
        # others, so what is left of e_j at a pivot j is a sum of the other unit vectors, and
        # the image is spanned, in echelon form, by the unit vectors off N's pivots.
        off_pivots = np.setdiff1d(np.arange(g), np.asarray(self.null_pivots, dtype=np.int64))
        root = np.eye(g, dtype=np.int64)[off_pivots]
        if root.shape[0] == 0:
            return []
        seen_at_all = np.flatnonzero(self.quotient_all.any(axis=0))
        stack = [(root, np.unique(self.quotient_block[seen_at_all]).tolist())]
        seen_keys: set[bytes] = set()
        found = []
        while stack:
            basis, sigma = stack.pop()
            if len(sigma) < self.k:
                found.append((basis, sigma))
                continue
            for group in (sigma[i :: self.k] for i in range(self.k)):
                child = self._modulo_null(self._unseen_by(basis, group))
                if child.shape[0] == 0:
                    continue
                key = child.tobytes()
                if key in seen_keys:
                    continue
                seen_keys.add(key)
                # The child lies in span(basis) + N: only blocks of sigma outside the group can
                # see it (N is seen by none).
                others = sorted(set(sigma).difference(group))
                stack.append((child, self._seeing(child, others)))
        return found

    # -- enumeration -----------------------------------------------------------------------

    def _vectors_in(
        self, rows: np.ndarray, columns: np.ndarray, excluded: np.ndarray | None = None
    ) -> list[tuple[int, ...]]:
        """``small_zero_one_vectors`` of span(rows) over ``columns`` (atom positions), avoiding
        big atoms and the ``excluded`` ones (those columns are put first, see step 5)."""
        avoid = self.sizes[columns] >= self.k
        if excluded is not None:
            avoid |= excluded
        order = np.concatenate([np.flatnonzero(avoid), np.flatnonzero(~avoid)])
        columns, rows = columns[order], rows[:, order]
        n_avoid = int(avoid.sum())
        reduced, pivots = rref(rows, self.p)
        keep = [i for i, col in enumerate(pivots) if col >= n_avoid]
        if not keep:
            return []
        reduced = reduced[keep][:, n_avoid:]
        pivots = [pivots[i] - n_avoid for i in keep]
        open_columns = columns[n_avoid:]
        sizes = self.sizes[open_columns]
        return [
            tuple(sorted(int(open_columns[c]) for c in support))
            for support in small_zero_one_vectors(reduced, pivots, sizes, self.k, self.p)
        ]

    def _local_vectors_all(self) -> list[tuple[int, ...]]:
        """``_local_vectors`` of every block; those not in the cache enumerated together
        (``small_zero_one_vectors_many``: one set of array operations for all of them)."""
        found_all: list[tuple[int, ...]] = []
        missing, problems = [], []
        for b in range(len(self.block_keys)):
            start, small, stop = self.block_start[b], self.block_small[b], self.block_start[b + 1]
            reduced, pivots = self.local_reduced[b], self.local_pivots[b]
            n_big = small - start
            keep = [i for i, col in enumerate(pivots) if col >= n_big]
            if not keep:
                continue
            key = (
                "local vectors",
                self.p,
                self.k,
                self.block_content[b],
                self.sizes[small:stop].tobytes(),
            )
            found = self.incidence.cache.get(key)
            if found is None:
                missing.append((b, key))
                problems.append(
                    (
                        reduced[keep][:, n_big:],
                        [pivots[i] - n_big for i in keep],
                        self.sizes[small:stop],
                    )
                )
                continue
            found_all.extend(tuple(small + c for c in support) for support in found)
        for (b, key), found in zip(
            missing, small_zero_one_vectors_many(problems, self.k, self.p), strict=True
        ):
            self.incidence.cache[key] = found
            small = self.block_small[b]
            found_all.extend(tuple(small + c for c in support) for support in found)
        return found_all

    def _project(self, b: int, vectors: np.ndarray) -> np.ndarray:
        """pi_b of 0/1 atom vectors of block b (rows)."""
        pivots, free = self.local_pivots[b], self.local_free[b]
        if not pivots:
            return vectors[:, free] % self.p
        # 0/1 times entries below 2**31, summed over at most 2**21 pivots: exact in float64.
        correction = vectors[:, pivots].astype(np.float64) @ self.local_reduced[b][:, free].astype(
            np.float64
        )
        return (vectors[:, free] - correction.astype(np.int64)) % self.p

    def _leaf_vectors(self, basis: np.ndarray, sigma: list[int]) -> list[tuple[int, ...]]:
        """Every leak over the blocks Sigma that needs a direction y = c . basis (c != 0).

        Such a leak is a choice of one part S_b per block of Sigma (possibly empty) with
        pi_b(S_b) = c . A_b for one c, where A_b = basis . M_b; equivalently the parts' projections,
        put side by side, lie in the row space of A = [A_b ...], i.e. sum_b pi_b(S_b) . H_b = 0
        for a basis H of the vectors A annihilates. Each part lies in L_b + (basis . G)_b, a small
        space per block, so the parts are enumerated block by block (a part with pi_b = 0 is a
        local leak, found elsewhere) and joined by meeting in the middle: the blocks are split in
        two halves, every combination of each half gets a random fingerprint of its sum, matching
        fingerprints are looked up by sorting, and each match is checked exactly."""
        p = self.p
        seen = [matmul(basis, self.quotient[b], p) for b in sigma]
        widths = [a.shape[1] for a in seen]
        offsets = np.concatenate([[0], np.cumsum(widths)])
        annihilator = nullspace(np.concatenate(seen, axis=1), p)  # h x (sum of widths)
        weights = np.random.default_rng(p).integers(0, p, annihilator.shape[0])
        fingerprint_of = matmul(weights.reshape(1, -1), annihilator, p)[0]
        budget = self.k - 1
        leaks: list[tuple[int, ...]] = []
        blocks = []  # per block: supports, sizes, fingerprints, exact signatures
        for i, b in enumerate(sigma):
            start, small, stop = self.block_start[b], self.block_small[b], self.block_start[b + 1]
            columns = slice(offsets[i], offsets[i + 1])
            block_annihilator = annihilator[:, columns].T.copy()
            # Single atoms that leak on their own: they are minimal leaks, and no other minimal
            # leak contains them, so the parts below avoid them.
            units = np.eye(stop - start, dtype=np.int64)[small - start :]
            single = ~matmul(self._project(b, units), block_annihilator, p).any(axis=1)
            leaks.extend((small + int(a),) for a in np.flatnonzero(single))
            excluded = np.zeros(stop - start, dtype=bool)
            excluded[small - start :] = single
            rows = np.concatenate(
                [self.local_matrix[b], matmul_01(basis, self.global_float[:, start:stop], p)]
            )
            found = self._vectors_in(rows, np.arange(start, stop), excluded)
            indicator = np.zeros((len(found), stop - start), dtype=np.int64)
            for row, support in enumerate(found):
                indicator[row, [c - start for c in support]] = 1
            projected = self._project(b, indicator)
            signatures = matmul(projected, block_annihilator, p)
            # A part whose signature is 0 leaks alone (other blocks empty); any larger
            # combination containing it is not minimal.
            alone = ~signatures.any(axis=1)
            leaks.extend(
                support for support, leaks_alone in zip(found, alone, strict=True) if leaks_alone
            )
            alone_sets = {frozenset(support) for support, a in zip(found, alone, strict=True) if a}
            keep = ~alone & projected.any(axis=1)
            for row in np.flatnonzero(keep):
                members = found[row]
                if any(
                    frozenset(sub) in alone_sets
                    for r in range(1, len(members))
                    for sub in itertools.combinations(members, r)
                ):
                    keep[row] = False
            blocks.append(
                (
                    [support for support, kept in zip(found, keep, strict=True) if kept],
                    (indicator[keep] * self.sizes[start:stop]).sum(axis=1),
                    matmul(projected[keep], fingerprint_of[columns].reshape(-1, 1), p)[:, 0],
                    signatures[keep],
                )
            )
        order = sorted(range(len(sigma)), key=lambda i: len(blocks[i][0]))
        halves = order[0::2], order[1::2]
        combos = [self._half_combinations([blocks[i] for i in half], budget) for half in halves]
        (fp_a, size_a, pick_a), (fp_b, size_b, pick_b) = combos
        by_fingerprint = np.argsort(fp_b, kind="stable")
        sorted_fp = fp_b[by_fingerprint]
        wanted = (-fp_a) % p
        lo = np.searchsorted(sorted_fp, wanted, side="left")
        hi = np.searchsorted(sorted_fp, wanted, side="right")
        for a in np.flatnonzero(hi > lo):
            for b_row in by_fingerprint[lo[a] : hi[a]]:
                if size_a[a] + size_b[b_row] > budget:
                    continue
                if (pick_a[a] < 0).all() and (pick_b[b_row] < 0).all():
                    continue
                parts = [(halves[0][j], c) for j, c in enumerate(pick_a[a]) if c >= 0]
                parts += [(halves[1][j], c) for j, c in enumerate(pick_b[b_row]) if c >= 0]
                signature = sum(blocks[i][3][c] for i, c in parts) % p
                if signature.any():  # a fingerprint collision, not a leak
                    continue
                leaks.append(
                    tuple(sorted(itertools.chain.from_iterable(blocks[i][0][c] for i, c in parts)))
                )
        return leaks

    def _half_combinations(self, blocks, budget):
        """Every choice of at most one part per block within the size budget: fingerprint sums,
        sizes, and the chosen part per block (-1 for none)."""
        p = self.p
        fingerprints = np.zeros(1, dtype=np.int64)
        sizes = np.zeros(1, dtype=np.int64)
        picks = np.zeros((1, 0), dtype=np.int64)
        for _, part_sizes, part_fingerprints, _ in blocks:
            total = sizes[:, None] + np.concatenate([[0], part_sizes])[None, :]
            keep_old, keep_option = np.nonzero(total <= budget)
            fingerprints = (
                fingerprints[keep_old] + np.concatenate([[0], part_fingerprints])[keep_option]
            ) % p
            sizes = total[keep_old, keep_option]
            picks = np.concatenate([picks[keep_old], (keep_option - 1)[:, None]], axis=1)
        return fingerprints, sizes, picks

    @property
    def leaf_list(self) -> list[tuple[np.ndarray, list[int]]]:
        if not hasattr(self, "_leaves"):
            self._leaves = self._merged(self.leaves())
        return self._leaves

    def _merged(self, leaves: list[tuple[np.ndarray, list[int]]]) -> list[tuple[np.ndarray, list[int]]]:
        """Fewer, larger leaves: a leaf whose blocks are all among another's joins it. Seeing is
        linear, so Y + Y' is seen only by blocks of the larger Sigma, and the search of the
        joined leaf finds every leak either would (a block's part may be empty). Each search
        costs about the same whatever its dimension, and there are a quarter to a third fewer
        (the demo trust's audits: 62 leaves to 54, 56 to 41, 32 to 21)."""
        if len(leaves) < 2:
            return leaves
        order = sorted(range(len(leaves)), key=lambda i: -len(leaves[i][1]))
        kept: list[list] = []  # [sigma set, sigma, bases]
        for i in order:
            basis, sigma = leaves[i]
            blocks = set(sigma)
            for entry in kept:
                if blocks <= entry[0]:
                    entry[2].append(basis)
                    break
            else:
                kept.append([blocks, sigma, [basis]])
        return [
            (bases[0] if len(bases) == 1 else self._modulo_null(np.concatenate(bases)), sigma)
            for _, sigma, bases in kept
        ]

    def leaking_positions(self, *, local_only: bool = False) -> list[tuple[int, ...]]:
        """Minimal leaking groups as sorted atom positions, smallest first. ``local_only``: only
        the groups inside one block (no search of global directions; genuine leaks, but not
        all of them)."""
        candidates: set[tuple[int, ...]] = set(self._local_vectors_all())
        for basis, sigma in [] if local_only else self.leaf_list:
            candidates.update(self._leaf_vectors(basis, sigma))
        return sorted(
            (tuple(sorted(group)) for group in minimal_groups(candidates)),
            key=lambda g: (int(self.sizes[list(g)].sum()), len(g), g),
        )

    def derivation(self, group: Sequence[int]) -> np.ndarray | None:
        """Global cell coefficients y0 of one way to derive the group (atom positions), or None
        when it cannot be derived. With the blocks T of the group: if every part is in its
        block's L_b, y0 = 0; otherwise y0 (mod N) is seen only by blocks of T, so it lies in a
        leaf (Y, Sigma) with Sigma containing every block of T where the part is not in L_b."""
        p = self.p
        g = len(self.global_cells)
        indicator = np.zeros(len(self.atoms), dtype=np.int64)
        indicator[list(group)] = 1
        parts = {}
        for b in np.unique(self.block_of[list(group)]).tolist():
            start, stop = self.block_start[b], self.block_start[b + 1]
            projected = self._project(b, indicator[start:stop].reshape(1, -1))[0]
            if projected.any():
                parts[b] = projected
        if not parts:
            return np.zeros(g, dtype=np.int64)
        for basis, sigma in self.leaf_list:
            if not set(parts) <= set(sigma):
                continue
            seen = np.concatenate([matmul(basis, self.quotient[b], p) for b in sigma], axis=1)
            target = np.concatenate(
                [parts.get(b, np.zeros(self.quotient[b].shape[1], dtype=np.int64)) for b in sigma]
            )
            solution = solve_left(seen, target, p)
            if solution is not None:
                return matmul(solution.reshape(1, -1), basis, p)[0]
        return None

    # -- which cells a leak depends on -----------------------------------------------------

    def _prepare_blocks(self, blocks: Sequence[int]) -> None:
        """For the given blocks (once each): a basis of the block's local cells with their dual
        vectors d_c (d_c . c = 1, d_c . c' = 0 for the basis' other cells), so the coefficient of
        c in any x of L_b is d_c . x; and which of them are *rigid*: the coefficient is the same
        in every derivation of every vector of R, because c lies in no dependency among its
        block's cells (a coloop) and moving the global part of a derivation along N does not
        change it (Phi = 0). Only removing a rigid cell changes R. A global cell is rigid when no
        vector of N uses it."""
        p = self.p
        if not hasattr(self, "duals"):
            self.basis_rows: dict[int, list[int]] = {}  # indices into self.local[b]
            self.duals: dict[int, np.ndarray] = {}  # basis rows x atoms of b
            self.rigid_local: dict[int, np.ndarray] = {}
            self.null_on_atoms = (
                matmul_01(self.null, self.global_float, p) if self.null.shape[0] else None
            )
            self.rigid_global = (
                ~self.null.any(axis=0)
                if self.null.shape[0]
                else np.ones(len(self.global_cells), bool)
            )
        blocks = [b for b in blocks if b not in self.duals]
        cache = self.incidence.cache
        missing = [b for b in blocks if ("duals", p, self.block_content[b]) not in cache]
        matrices = [self.local_matrix[b] for b in missing]
        transposed = rref_many_01([m.T for m in matrices], p)
        augmented = []
        for matrix, (_, rows) in zip(matrices, transposed, strict=True):
            augmented.append(
                np.concatenate([matrix[rows], np.eye(len(rows), dtype=np.int64)], axis=1)
            )
        inverses = rref_many_01(augmented, p)
        for b, matrix, (reduced_t, rows), (reduced, pivots) in zip(
            missing, matrices, transposed, inverses, strict=True
        ):
            n_b = matrix.shape[1]
            # reduced = E . chosen rows, the identity at the pivots: E^T there is the dual basis.
            duals = np.zeros((len(rows), n_b), dtype=np.int64)
            if rows:
                duals[:, pivots] = reduced[:, n_b:].T
            # A dependency among the block's cells uses a non-basis row and, with it, exactly
            # the basis rows its expression in the basis (a column of reduced_t) involves.
            in_basis = set(rows)
            non_basis = [c for c in range(matrix.shape[0]) if c not in in_basis]
            in_dependency = (
                reduced_t[:, non_basis].any(axis=1) if non_basis else np.zeros(len(rows), bool)
            )
            cache[("duals", p, self.block_content[b])] = (rows, duals, in_dependency)
        for b in blocks:
            rows, duals, in_dependency = cache[("duals", p, self.block_content[b])]
            rigid = ~in_dependency
            if self.null_on_atoms is not None and rigid.any():
                start, stop = self.block_start[b], self.block_start[b + 1]
                phi = matmul(duals, self.null_on_atoms[:, start:stop].T.copy(), p)
                rigid &= ~phi.any(axis=1)
            self.basis_rows[b] = rows
            self.duals[b] = duals
            self.rigid_local[b] = rigid

    def dependence(self, groups: Sequence[tuple[int, ...]]) -> list[tuple[list[int], list[int]]]:
        """(essential, involved) cell indices for each leaking group. Removing any one essential
        cell makes the group underivable (its coefficient is the same nonzero number in every
        way of deriving it); involved cells carry a nonzero coefficient in one derivation."""
        p = self.p
        prepared = []
        for group in groups:
            y0 = self.derivation(group)
            if y0 is None:
                raise ValueError("dependence() needs groups that can be derived")
            residual = np.zeros(len(self.atoms), dtype=np.int64)
            residual[list(group)] = 1
            if y0.any():
                residual = (residual - matmul_01(y0.reshape(1, -1), self.global_float, p)[0]) % p
            touched = np.unique(self.block_of[np.flatnonzero(residual)]).tolist()
            prepared.append((y0, residual, touched))
        self._prepare_blocks(sorted({b for _, _, touched in prepared for b in touched}))
        result = []
        for y0, residual, touched in prepared:
            essential: list[int] = []
            involved: list[int] = []
            for j in np.flatnonzero(y0):
                cell = self.global_cells[int(j)]
                (essential if self.rigid_global[j] else involved).append(cell)
            for b in touched:
                if not self.basis_rows[b]:
                    continue
                start, stop = self.block_start[b], self.block_start[b + 1]
                coefficients = matmul(self.duals[b], residual[start:stop].reshape(-1, 1), p)[:, 0]
                for i in np.flatnonzero(coefficients):
                    cell = self.local[b][self.basis_rows[b][int(i)]]
                    (essential if self.rigid_local[b][i] else involved).append(cell)
            result.append((essential, involved))
        return result


def audit(
    incidence: Incidence,
    cell_indices: Sequence[int],
    *,
    prime: int | None = None,
    rng: random.Random | None = None,
    check_prime: int | None = None,
) -> CellSpan:
    """A CellSpan whose rank was confirmed with a second, independent prime (module docstring):
    if the two primes disagree, the larger rank is the right one (a rank can only drop mod p)."""
    return confirmed(
        CellSpan(incidence, cell_indices, prime or random_prime(rng)),
        rng=rng,
        check_prime=check_prime,
    )


def confirmed(
    span: CellSpan, *, rng: random.Random | None = None, check_prime: int | None = None
) -> CellSpan:
    """``span``, or a span of the same cells mod another prime when that one finds a larger rank
    (``check_prime`` first, then fresh random primes), unless its rank is proven rational
    (``CellSpan.rank_is_rational``), which leaves nothing for another prime to find."""
    if span.rank_is_rational():
        return span
    while True:
        check = CellSpan(span.incidence, span.cell_indices, check_prime or random_prime(rng))
        check_prime = None
        if check.rank <= span.rank:
            return span
        span = check


def find_leaks(
    atoms: Sequence[Atom], published_cells: Sequence[Cell], k: int, limit: int | None = None
) -> list[frozenset]:
    """The minimal leaking groups (frozensets of atom ids), smallest first, at most ``limit`` of
    them; empty when no group of 1..k-1 respondents can be derived from ``published_cells``.
    Every leaking group is a disjoint union of these (module docstring)."""
    incidence = Incidence(atoms, published_cells, k)
    with one_blas_thread():
        span = audit(incidence, range(len(incidence.cells)))
        positions = span.leaking_positions()
    leaks = [frozenset(span.atoms[i].id for i in group) for group in positions]
    return leaks if limit is None else leaks[:limit]


def brute_force_leaks(atoms: Sequence[Atom], cells: Sequence[Cell], k: int) -> set[frozenset]:
    """Reference for tests, independent of the audit: every union of atoms of total size 1..k-1
    whose indicator does not raise the rank of the cell matrix (floating point: small inputs)."""
    atoms = list(atoms)
    index = {a.id: i for i, a in enumerate(atoms)}
    matrix = np.zeros((len(cells), len(atoms)))
    for row, cell in enumerate(cells):
        for atom_id in cell.atoms:
            matrix[row, index[atom_id]] = 1.0
    rank = int(np.linalg.matrix_rank(matrix)) if len(cells) else 0
    # A basis of the null space (SVD): 1_S is in the row space iff it is orthogonal to it. For
    # small 0/1 matrices a residual is either at rounding level or far from it; anything in
    # between is decided by matrix_rank itself, as the model states it.
    null = np.linalg.svd(matrix)[2][rank:].T if len(cells) else np.eye(len(atoms))
    sizes = np.array([a.size for a in atoms])
    small = np.flatnonzero(sizes < k)
    leaks: set[frozenset] = set()
    for r in range(1, k):
        if r > len(small):
            break
        combos = small[_combinations(len(small), r)]
        combos = combos[sizes[combos].sum(axis=1) < k]
        for start in range(0, len(combos), 50_000):
            chunk = combos[start : start + 50_000]
            residual = np.abs(null[chunk].sum(axis=1)).max(axis=1, initial=0.0)
            for row in np.flatnonzero(residual < 1e-4):
                if residual[row] > 1e-9:
                    indicator = np.zeros(len(atoms))
                    indicator[chunk[row]] = 1.0
                    if np.linalg.matrix_rank(np.vstack([matrix, indicator])) > rank:
                        continue
                leaks.add(frozenset(atoms[i].id for i in chunk[row]))
    return leaks


def pairwise_rule_would_publish(
    atoms: Sequence[Atom], published_cells: Sequence[Cell], k: int
) -> bool:
    """The naive rule, kept to show why it is not enough: every published cell has at least k
    respondents, and whenever one contains another the difference is 0 or at least k. It looks
    at pairs only, so three children subtracted from a parent can still isolate two people."""
    sizes = {a.id: a.size for a in atoms}
    n = [sum(sizes[a] for a in cell.atoms) for cell in published_cells]
    if any(value < k for value in n):
        return False
    for (parent, n_parent), (child, n_child) in itertools.permutations(
        zip(published_cells, n, strict=True), 2
    ):
        if child.atoms < parent.atoms and 0 < n_parent - n_child < k:
            return False
    return True


def failure_bound(cells: Sequence[Cell]) -> float:
    """An upper bound on the chance that one random prime of the range divides a maximal minor of
    the cell matrix (so that working mod p could miss a leak): Hadamard bounds log2 of any minor
    by the sum over cells of 0.5*log2(atoms); each prime of the range has more than 30 bits, and
    the range holds more than 50 million primes (module docstring)."""
    bits = sum(0.5 * math.log2(len(c.atoms)) for c in cells if len(c.atoms) > 1)
    return min(1.0, bits / 30 / 50_000_000)
