"""Disclosure control per measure (surveys.disclosure.measures): item non-response.

Pure functions, no database: random small releases are protected, some respondents skip the
measure, and the brute-force reference (audit.brute_force_leaks) checks that no group of 1..k-1
answerers can be worked out from the measure's shown cells."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from surveys.disclosure import (
    Atom,
    Cell,
    Measure,
    Profile,
    as_fixed,
    atoms_from_profiles,
    audit,
    brute_force_leaks,
    linalg,
    measures,
    protect,
    protect_measures,
    standard_cells,
)
from surveys.disclosure.audit import CellSpan, Incidence
from surveys.disclosure.linalg import random_prime

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
            {
                a.id: sum(rng.random() > 0.2 for _ in range(a.size)) if a.id in skipping else a.size
                for a in atoms
            }
        )
    counts.append(dict(counts[0]))  # the same instance as the first: audited once
    measures = [Measure(("item", i), answered=c) for i, c in enumerate(counts)]
    together = protect_measures(atoms, cells, K, published=protection.published, measures=measures)
    for measure, c in zip(measures, counts, strict=True):
        hidden = together.complementary.get(measure.id, frozenset())
        shown = shown_cells(atoms, cells, c, protection.published, K, hidden)
        assert measure_leaks(atoms, cells, K, c, shown) == set()
        alone = protect_measures(
            atoms, cells, K, published=protection.published, measures=[measure]
        )
        assert alone.complementary.get(measure.id, frozenset()) == hidden
    assert together.complementary.get(("item", 6)) == together.complementary.get(("item", 0))


@pytest.mark.parametrize("seed", range(2))
def test_how_many_processes_share_the_audits_changes_nothing(seed):
    rng = random.Random(500 + seed)
    atoms, cells = random_release(rng, respondents=80, schools=4)
    protection = protect(atoms, cells, K)
    measures = [
        Measure(("item", i), answered={a.id: sum(rng.random() > 0.25 for _ in range(a.size)) for a in atoms})
        for i in range(8)
    ]

    alone = protect_measures(atoms, cells, K, published=protection.published, measures=measures, processes=1)
    shared = protect_measures(atoms, cells, K, published=protection.published, measures=measures, processes=3)

    assert alone.complementary == shared.complementary and alone.complementary
    assert (alone.withheld, alone.audits) == (shared.withheld, shared.audits)


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
    numbered = [
        Atom(position[a.id], a.size, blocks.setdefault(a.block, len(blocks))) for a in atoms
    ]
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
    assert (
        built.block_start == from_arrays.block_start
        and built.block_small == from_arrays.block_small
    )
    assert (built.cell_block == from_arrays.cell_block).all()
    assert all((a == b).all() for a, b in zip(built.positions, from_arrays.positions, strict=True))


# -- exact elimination and the proof of the rank ---------------------------------------------


def rational_rref(matrix: np.ndarray) -> tuple[list[list[Fraction]], list[int]]:
    """Reference: reduced row echelon form over the rationals, with fractions."""
    a = [[Fraction(int(x)) for x in row] for row in matrix]
    pivots: list[int] = []
    r = 0
    for col in range(matrix.shape[1]):
        found = next((i for i in range(r, len(a)) if a[i][col] != 0), None)
        if found is None:
            continue
        a[r], a[found] = a[found], a[r]
        lead = a[r][col]
        a[r] = [x / lead for x in a[r]]
        for i in range(len(a)):
            if i != r and a[i][col] != 0:
                factor = a[i][col]
                a[i] = [x - factor * y for x, y in zip(a[i], a[r], strict=True)]
        pivots.append(col)
        r += 1
    return a[:r], pivots


def rational_mod(rows: list[list[Fraction]], columns: int, p: int) -> np.ndarray:
    return np.array(
        [[x.numerator % p * pow(x.denominator, p - 2, p) % p for x in row] for row in rows],
        dtype=np.int64,
    ).reshape(len(rows), columns)


def test_exact_echelon_forms_are_the_rational_ones_and_the_modular_ones():
    """``echelon_01_many`` (fraction-free, in floating point) against fractions, and its forms
    mod p against the modular elimination, for shapes up to its limit on either side."""
    rng = np.random.default_rng(5)
    p = random_prime(random.Random(5))
    shapes = [(0, 5), (3, 0), (1, 1), (4, 4), (14, 43), (43, 14), (19, 60), (60, 19), (19, 19)]
    shapes += [(int(rng.integers(1, 20)), int(rng.integers(1, 40))) for _ in range(20)]
    matrices = []
    for rows, columns in shapes:
        density = rng.uniform(0.1, 0.9)
        matrices.append((rng.random((rows, columns)) < density).astype(np.int64))
    matrices.append(np.zeros((6, 9), dtype=np.int64))
    matrices.append(np.ones((7, 9), dtype=np.int64))
    assert all(linalg.exact_01_applies(m.shape, p) for m in matrices)
    exact = linalg.echelon_01_many(matrices)
    for matrix, (scaled, d, pivots) in zip(matrices, exact, strict=True):
        reference, reference_pivots = rational_rref(matrix)
        assert pivots == reference_pivots and d != 0 and abs(d) < 2**25
        assert [[Fraction(int(x), d) for x in row] for row in scaled] == reference
        modular = linalg.echelon_mod(scaled, d, p)
        assert (modular == rational_mod(reference, matrix.shape[1], p)).all()
        single, single_pivots = linalg.rref(matrix, p)
        assert single_pivots == pivots and (single == modular).all()
    for (many, pivots), matrix in zip(linalg.rref_many_01(matrices, p), matrices, strict=True):
        single, single_pivots = linalg.rref(matrix, p)
        assert pivots == single_pivots and (many == single).all()
    # Beyond the limit (or mod a prime a minor can reach) the modular elimination is used.
    assert not linalg.exact_01_applies((20, 20), p)
    assert not linalg.exact_01_applies((4, 4), 2) and linalg.exact_01_applies((1, 9), 2)
    wide = (rng.random((25, 30)) < 0.5).astype(np.int64)
    [(many, pivots)] = linalg.rref_many_01([wide], p)
    single, single_pivots = linalg.rref(wide, p)
    assert pivots == single_pivots and (many == single).all()
    with pytest.raises(ValueError):
        linalg.echelon_01_many([wide])


def span_of(atoms, cells, p):
    incidence = Incidence(atoms, cells, K)
    return CellSpan(incidence, range(len(cells)), p)


def float_rank(atoms, cells) -> int:
    index = {a.id: i for i, a in enumerate(atoms)}
    matrix = np.zeros((len(cells), len(atoms)))
    for row, cell in enumerate(cells):
        matrix[row, [index[a] for a in cell.atoms]] = 1
    return int(np.linalg.matrix_rank(matrix))


def test_the_rank_of_a_release_is_proven_rational_without_a_second_prime():
    """A proof is a proof: whenever it is given the rank is the rational one; and a release's
    dependencies (margins) are integral, so it is nearly always given."""
    proven = 0
    for seed in range(12):
        rng = random.Random(400 + seed)
        atoms, cells = random_release(rng, respondents=90, schools=4)
        kept = [c for c in cells if rng.random() < 0.8]  # some suppressed: fewer local cells
        span = span_of(atoms, kept, random_prime(rng))
        assert span.rank == float_rank(atoms, kept)
        if span.rank_is_rational():
            proven += 1
            assert audit.confirmed(span) is span
    assert proven >= 10


def test_the_rank_proof_does_not_apply_where_it_must_not():
    # Three people in three schools, published in pairs: rank 3, but 2 mod 2 (the pairs add up
    # to twice everyone). Mod 2 the lifted dependency is not one: no proof.
    atoms = [Atom(name, 1, name) for name in "abc"]
    pairs = [Cell(i, frozenset(pair)) for i, pair in enumerate(["ab", "bc", "ac"])]
    assert float_rank(atoms, pairs) == 3
    mod_two = span_of(atoms, pairs, 2)
    assert mod_two.rank == 2 and not mod_two.rank_is_rational()
    assert span_of(atoms, pairs, random_prime(random.Random(1))).rank_is_rational()
    # The whole and the pairs: a genuine dependency (2 whole = the pairs), but with the whole
    # first its echelon form has halves, whose lift is no small integer: no proof, and the
    # second prime decides (here it agrees). With a pair first, the dependency is integral.
    p = random_prime(random.Random(2))
    whole = Cell(-1, frozenset("abc"))
    halves = span_of(atoms, [whole, *pairs], p)
    assert halves.rank == 3 and not halves.rank_is_rational()
    assert audit.confirmed(halves, check_prime=random_prime(random.Random(3))).rank == 3
    integral = span_of(atoms, [*pairs, Cell(9, frozenset("abc"))], p)
    assert integral.rank == 3 and integral.rank_is_rational()
    # A school with more local cells and atoms than exact elimination takes: no proof.
    rng = np.random.default_rng(7)
    big = [Atom(("x", i), 1, "x") for i in range(24)] + [Atom("y", 1, "y")]
    local = [
        Cell(("local", j), frozenset(("x", i) for i in np.flatnonzero(rng.random(24) < 0.5)))
        for j in range(24)
    ]
    local = [c for c in local if c.atoms]
    spanning = Cell("across", frozenset({("x", 0), "y"}))
    assert not span_of(big, [*local, spanning], p).rank_is_rational()


def test_small_vectors_of_many_echelon_forms_at_once_are_those_of_each():
    rng = np.random.default_rng(9)
    p = random_prime(random.Random(9))
    problems = []
    for _ in range(60):
        rows, columns = int(rng.integers(0, 9)), int(rng.integers(1, 30))
        matrix = (rng.random((rows, columns)) < rng.uniform(0.05, 0.6)).astype(np.int64)
        reduced, pivots = linalg.rref(matrix, p)
        sizes = rng.integers(1, 4, columns)
        problems.append((reduced, pivots, sizes))
    together = audit.small_zero_one_vectors_many(problems, K, p)
    assert any(together)
    for (reduced, pivots, sizes), found in zip(problems, together, strict=True):
        alone = audit.small_zero_one_vectors(reduced, pivots, sizes, K, p, minimal_only=True)
        assert sorted(found) == sorted(alone)
