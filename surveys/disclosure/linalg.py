"""Exact linear algebra over a prime field GF(p), p a random prime in [2**30, 2**31), on int64
numpy arrays.

Why a prime field rather than floats: the audit must decide exactly whether a 0/1 vector lies in the
span of other 0/1 vectors; a floating-point rank decision can drop a small singular value and miss
a leak. Over GF(p) every decision is exact *for GF(p)*, and it agrees with the rationals whenever p
divides no maximal nonzero minor of the cell matrix (see ``surveys.disclosure.audit``).

Entries are kept in [0, p). A product of two entries is below 2**62, so one multiply-then-reduce
never overflows int64; sums of many products are split (``matmul``) so they do not either.
"""

from __future__ import annotations

import random
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

PRIME_LOW = 2**30
PRIME_HIGH = 2**31


@cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread():
    """Context: BLAS on one thread. The products here are small; on a loaded 2-core machine
    OpenBLAS threads spin against each other and make a 0.5 ms product take 30 ms."""
    return _threadpools().limit(limits=1, user_api="blas")


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin; the bases 2, 3, 5, 7 are exact below 3,215,031,751."""
    if n < 2:
        return False
    for small in (2, 3, 5, 7, 11, 13):
        if n % small == 0:
            return n == small
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for base in (2, 3, 5, 7):
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(rng: random.Random | None = None) -> int:
    rng = rng or random.SystemRandom()
    while True:
        candidate = rng.randrange(PRIME_LOW, PRIME_HIGH) | 1
        if is_prime(candidate):
            return candidate


def split(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """b's 16-bit halves as float64, for ``matmul`` (worth keeping when b is used often)."""
    return (b >> 16).astype(np.float64), (b & 0xFFFF).astype(np.float64)


def matmul(
    a: np.ndarray,
    b: np.ndarray | None,
    p: int,
    *,
    b_split: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """a @ b mod p for entries in [0, p), exactly, through floating-point BLAS: both sides are
    split into 16-bit halves, so each of the four partial products sums terms below 2**32, and
    up to 2**21 of them stay below 2**53, where float64 holds every integer exactly."""
    b_high, b_low = b_split if b_split is not None else split(b)
    if a.shape[1] == 0 or a.shape[0] == 0 or b_high.shape[1] == 0:
        return np.zeros((a.shape[0], b_high.shape[1]), dtype=np.int64)
    if a.shape[1] > 2**21:
        raise ValueError("inner dimension too large for an exact split product")
    a_high, a_low = split(a)
    high = (a_high @ b_high).astype(np.int64) % p
    middle = ((a_high @ b_low).astype(np.int64) + (a_low @ b_high).astype(np.int64)) % p
    low = (a_low @ b_low).astype(np.int64) % p
    high = high * 65536 % p * 65536 % p
    return (high + middle * 65536 % p + low) % p


def matmul_01(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """a @ b mod p when b is 0/1 and the inner dimension at most 2**21: every sum of entries
    below 2**31 stays below 2**53, so one floating-point BLAS product is exact."""
    return (a.astype(np.float64) @ b.astype(np.float64, copy=False)).astype(np.int64) % p


def rref(matrix: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form mod p: (the nonzero rows, their pivot columns)."""
    a = np.array(matrix, dtype=np.int64) % p
    rows, cols = a.shape
    pivots: list[int] = []
    r = col = 0
    # One iteration per pivot (not per column): local cell matrices are wide and of low rank.
    # Rows r and below are zero left of col, so only columns col and after change.
    while r < rows and col < cols:
        hits = np.flatnonzero(a[r:, col])
        if hits.size == 0:
            nonzero_columns = np.flatnonzero(a[r:, col + 1 :].any(axis=0))
            if nonzero_columns.size == 0:
                break
            col += 1 + int(nonzero_columns[0])
            hits = np.flatnonzero(a[r:, col])
        pivot_row = r + int(hits[0])
        if pivot_row != r:
            a[[r, pivot_row]] = a[[pivot_row, r]]
        lead = int(a[r, col])
        if lead != 1:
            a[r, col:] = a[r, col:] * pow(lead, p - 2, p) % p
        others = np.flatnonzero(a[:, col])
        others = others[others != r]
        if others.size:
            a[others, col:] = (a[others, col:] - np.outer(a[others, col], a[r, col:])) % p
        pivots.append(col)
        r += 1
        col += 1
    return a[:r], pivots


def nullspace(matrix: np.ndarray, p: int) -> np.ndarray:
    """A basis (rows) of {x : matrix @ x = 0} mod p."""
    cols = matrix.shape[1]
    reduced, pivots = rref(matrix, p)
    is_pivot = set(pivots)
    free = [c for c in range(cols) if c not in is_pivot]
    basis = np.zeros((len(free), cols), dtype=np.int64)
    for i, f in enumerate(free):
        basis[i, f] = 1
        if pivots:
            basis[i, pivots] = (-reduced[:, f]) % p
    return basis


def left_nullspace(matrix: np.ndarray, p: int) -> np.ndarray:
    """A basis (rows) of {y : y @ matrix = 0} mod p."""
    return nullspace(matrix.T, p)


def solve_left(matrix: np.ndarray, target: np.ndarray, p: int) -> np.ndarray | None:
    """One y with y @ matrix = target mod p, or None when there is none."""
    rows = matrix.shape[0]
    augmented = np.concatenate([matrix.T % p, target.reshape(-1, 1) % p], axis=1)
    reduced, pivots = rref(augmented, p)
    if pivots and pivots[-1] == rows:
        return None
    y = np.zeros(rows, dtype=np.int64)
    for i, col in enumerate(pivots):
        y[col] = reduced[i, rows]
    return y


def inverse_mod(values: np.ndarray, p: int) -> np.ndarray:
    """Elementwise inverse mod p (Fermat), vectorised: square-and-multiply over p - 2."""
    result = np.ones_like(values)
    base = values % p
    exponent = p - 2
    while exponent:
        if exponent & 1:
            result = result * base % p
        base = base * base % p
        exponent >>= 1
    return result


def rref_many(matrices: list[np.ndarray], p: int) -> list[tuple[np.ndarray, list[int]]]:
    """``rref`` of many small matrices at once: they are padded into one 3-d array so each
    elimination step is a handful of numpy operations for all of them (the per-school local
    cell matrices: hundreds of matrices of a few dozen rows)."""
    if not matrices:
        return []
    if len(matrices) == 1:  # one elimination: its own pivot loop skips the padding and batching
        return [rref(matrices[0], p)]
    a, rows, cols, everyone, pivots = _stacked([m % p for m in matrices], np.int64)
    for r in range(rows):
        step = _next_pivots(a, r, rows, cols, everyone)
        if step is None:
            break
        active, col = step
        lead = a[everyone, r, col]
        lead = np.where(active, lead, 1)
        a[:, r] = a[:, r] * inverse_mod(lead, p)[:, None] % p
        factor = a[everyone, :, col].copy()
        factor[:, r] = 0
        factor[~active] = 0
        a = (a - factor[:, :, None] * a[:, r : r + 1, :]) % p
        pivots[active, r] = col[active]
    result = []
    for i, m in enumerate(matrices):
        found = [int(c) for c in pivots[i] if c >= 0]
        result.append((a[i, : len(found), : m.shape[1]].copy(), found))
    return result


# Fraction-free elimination in float64 is exact for 0/1 matrices with at most this many rows (or
# columns): every minor is then below 2**25 (``minor_bound_01(19)`` is 1.95e7).
EXACT_01_ORDER = 19


def minor_bound_01(order: int) -> float:
    """Hadamard's bound for 0/1 matrices: no minor of order n exceeds (n + 1)**((n + 1) / 2) / 2**n
    in absolute value (1 for n <= 1)."""
    return max(1.0, (order + 1) ** ((order + 1) / 2) / 2**order)


def exact_01_applies(shape: tuple[int, ...], p: int) -> bool:
    """Whether ``echelon_01_many`` takes a 0/1 matrix of this shape, and its result gives the rref
    mod p: every minor (of order at most the smaller side) is below p."""
    order = min(shape)
    return order <= EXACT_01_ORDER and minor_bound_01(order) < p


def echelon_01_many(matrices: list[np.ndarray]) -> list[tuple[np.ndarray, int, list[int]]]:
    """Reduced row echelon forms over the rationals of 0/1 matrices with at most
    ``EXACT_01_ORDER`` rows or columns, exactly: for each, (D times its rref, an int64 matrix; D;
    the pivot columns), D a nonzero integer below 2**25 in absolute value.

    Fraction-free Gauss-Jordan elimination (Bareiss): after t pivots the matrix is D_t times the
    partial rref over the rationals, D_t the pivot value of step t (D_0 = 1), and each step maps
    row i != r to (D_{t+1} a_i - a_ic a_r) / D_t, an exact division. Every entry on the way is a
    minor of the input of order at most its smaller side, so below 2**25: products and their
    differences stay below 2**53, where float64 holds every integer exactly, and the division,
    with an integer result, is exact too.

    Why: the rref mod any prime p >= 2**25 is then this one times D's inverse mod p
    (``echelon_mod``). Every nonzero minor is below p, so it is nonzero mod p, the rank and the
    pivot columns are the same mod p as over the rationals, and D is invertible: reduced mod p,
    D^-1 times this matrix is in reduced echelon form and spans the same rows, and the rref is
    unique. One elimination serves both of an audit's primes, and float arithmetic is much
    cheaper than reducing every product mod p. (Mod a prime p below 2**25, it holds when every
    minor is below p: ``exact_01_applies``.)"""
    if any(min(m.shape) > EXACT_01_ORDER for m in matrices):
        raise ValueError("echelon_01_many needs at most EXACT_01_ORDER rows or columns")
    results: list = [None] * len(matrices)
    # Matrices of alike widths together: padding a narrow one to the widest costs work.
    buckets: dict[int, list[int]] = {}
    for i, m in enumerate(matrices):
        buckets.setdefault((max(1, m.shape[1]) - 1).bit_length(), []).append(i)
    for members in buckets.values():
        for i, found in zip(
            members, _echelon_01_batch([matrices[i] for i in members]), strict=True
        ):
            results[i] = found
    return results


def _stacked(matrices: list[np.ndarray], dtype):
    """The matrices of a batched elimination stacked into one array, each padded with zeros to
    the largest shape plus one row and one column (the padding absorbs the matrices that have no
    pivot left), with (rows, cols) of the largest, the batch's indices and no pivots yet."""
    rows = max(m.shape[0] for m in matrices)
    cols = max(m.shape[1] for m in matrices)
    a = np.zeros((len(matrices), rows + 1, cols + 1), dtype=dtype)
    for i, m in enumerate(matrices):
        a[i, : m.shape[0], : m.shape[1]] = m
    return a, rows, cols, np.arange(len(matrices)), np.full((len(matrices), rows), -1, dtype=np.int64)


def _next_pivots(a: np.ndarray, r: int, rows: int, cols: int, everyone: np.ndarray):
    """One step of a batched elimination (``a``: matrices stacked, padded by a zero row and
    column): for each matrix, the leftmost column with a nonzero entry in rows r and below, whose
    first such row is swapped into row r. Returns (which matrices have one, their columns; the
    padding column for the others), or None when none has."""
    below = a[:, r:rows, :cols] != 0
    column_has = below.any(axis=1)
    active = column_has.any(axis=1)
    if not active.any():
        return None
    col = np.where(active, column_has.argmax(axis=1), cols)
    pivot_row = r + below[everyone, :, np.minimum(col, cols - 1)].argmax(axis=1)
    pivot_row = np.where(active, pivot_row, r)
    swap = everyone[pivot_row != r]
    if swap.size:
        upper = a[swap, r].copy()
        a[swap, r] = a[swap, pivot_row[swap]]
        a[swap, pivot_row[swap]] = upper
    return active, col


def _echelon_01_batch(matrices: list[np.ndarray]) -> list[tuple[np.ndarray, int, list[int]]]:
    a, rows, cols, everyone, pivots = _stacked(matrices, np.float64)
    previous = np.ones(len(matrices))
    for r in range(rows):
        step = _next_pivots(a, r, rows, cols, everyone)
        if step is None:
            break
        active, col = step
        lead = np.where(active, a[everyone, r, col], 1.0)
        divisor = np.where(active, previous, 1.0)
        factor = a[everyone, :, col].copy()
        factor[:, r] = 0
        factor[~active] = 0
        pivot_rows = a[:, r].copy()
        a = (lead[:, None, None] * a - factor[:, :, None] * pivot_rows[:, None, :]) / divisor[
            :, None, None
        ]
        a[:, r] = pivot_rows
        previous = np.where(active, lead, previous)
        pivots[active, r] = col[active]
    result = []
    for i, m in enumerate(matrices):
        found = [int(c) for c in pivots[i] if c >= 0]
        result.append((a[i, : len(found), : m.shape[1]].astype(np.int64), int(previous[i]), found))
    return result


def echelon_mod(scaled: np.ndarray, d: int, p: int) -> np.ndarray:
    """The rref mod p from ``echelon_01_many``'s (D times the rref, D)."""
    if scaled.size == 0:
        return scaled % p
    return scaled % p * pow(d % p, p - 2, p) % p


def rref_many_01(matrices: list[np.ndarray], p: int) -> list[tuple[np.ndarray, list[int]]]:
    """``rref_many`` of 0/1 matrices: exactly over the rationals, then mod p
    (``echelon_01_many``), for those where that gives the rref mod p (``exact_01_applies``)."""
    results: list = [None] * len(matrices)
    small = [i for i, m in enumerate(matrices) if exact_01_applies(m.shape, p)]
    large = [i for i, m in enumerate(matrices) if not exact_01_applies(m.shape, p)]
    for i, (scaled, d, pivots) in zip(
        small, echelon_01_many([matrices[i] for i in small]), strict=True
    ):
        results[i] = (echelon_mod(scaled, d, p), pivots)
    for i, found in zip(large, rref_many([matrices[i] for i in large], p), strict=True):
        results[i] = found
    return results
