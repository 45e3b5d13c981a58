"""Disclosure control: the rank audit against a brute-force reference, protection, and the
threshold rules. Pure functions: no database, no models."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.utils import translation

from surveys.disclosure import (
    Atom,
    Cell,
    DisclosureError,
    Profile,
    SchoolCount,
    as_fixed,
    atoms_from_counts,
    atoms_from_profiles,
    brute_force_leaks,
    cluster_small_schools,
    comments_shown,
    demographic_cuts_allowed,
    failure_bound,
    favourable_band,
    find_leaks,
    minimal_groups,
    pairwise_rule_would_publish,
    primary_suppress,
    protect,
    response_rate_shown,
    shows_full_statistics,
    standard_cells,
)
from surveys.disclosure.linalg import is_prime, matmul, random_prime, rref, rref_many

K = 5


def published_cells(protection, cells):
    return [c for c in cells if c.id in protection.published]


def school(name, *groups, releases=frozenset({"final"})):
    """Profiles of one school's respondents to one demographic question: (code, how many)."""
    return [Profile(name, (code,), releases) for code, count in groups for _ in range(count)]


def cell(cell_id, atoms, *, fixed=False):
    return Cell(id=cell_id, atoms=frozenset(a.id for a in atoms), fixed=fixed)


def random_organisation(rng, *, schools=(4, 6), respondents=(10, 40), codes=(2, 3), releases=False):
    profiles = []
    questions = [int(rng.integers(codes[0], codes[1] + 1)) for _ in range(2)]
    for name in range(int(rng.integers(schools[0], schools[1] + 1))):
        for _ in range(int(rng.integers(respondents[0], respondents[1] + 1))):
            answers = tuple(int(rng.integers(0, n)) for n in questions)
            late = releases and rng.random() < 0.3
            profiles.append(
                Profile(
                    name,
                    answers,
                    frozenset({"final"} if late or not releases else {"interim", "final"}),
                )
            )
    return atoms_from_profiles(profiles)


# -- hand-made cases -------------------------------------------------------------------------


def test_parent_minus_child_is_found_and_suppressed():
    # School of 12: nine answered "teacher", three "support". The three are primary-suppressed,
    # but the school total minus the nine gives them away.
    atoms = atoms_from_profiles(school("S", ("teacher", 9), ("support", 3)))
    teacher, support = sorted(atoms, key=lambda a: -a.size)
    cells = [cell("school", atoms), cell("teacher", [teacher]), cell("support", [support])]
    published, suppressed = primary_suppress(cells, atoms, K)
    assert [c.id for c in suppressed] == ["support"]
    assert find_leaks(atoms, published, K) == [frozenset({support.id})]

    protection = protect(atoms, cells, K)
    assert protection.status("support") == "primary"
    assert protection.complementary == {"teacher"}  # the smaller of the two cells that reveal it
    assert protection.complementary_count == 1
    assert protection.published == {"school"}
    assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()


def test_three_children_from_a_parent_isolate_two_people_though_every_pair_looks_safe():
    # 20 staff: three groups of six and two who preferred not to say. Parent minus any one child
    # is 14, so the pairwise rule is satisfied; parent minus all three is the two people.
    atoms = atoms_from_profiles(school("S", ("a", 6), ("b", 6), ("c", 6), ("not said", 2)))
    by_code = {a.id.codes[0]: a for a in atoms}
    cells = [cell("school", atoms)] + [
        cell(code, [by_code[code]]) for code in ("a", "b", "c", "not said")
    ]
    published, _ = primary_suppress(cells, atoms, K)

    assert pairwise_rule_would_publish(atoms, published, K)
    assert find_leaks(atoms, published, K) == [frozenset({by_code["not said"].id})]

    protection = protect(atoms, cells, K)
    assert protection.complementary_count == 1
    assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()


def test_a_group_in_two_schools_leaks_through_an_organisation_cell():
    # Code "x" is present in three schools. A and B hold two people with it each; their school x
    # "x" cells are primary-suppressed and so are their three "w". C's six "x" are published, so
    # organisation x "x" minus C's cell isolates A's and B's four people: a group across two
    # schools that no cell of either school reveals.
    profiles = (
        school("A", ("x", 2), ("w", 3), ("z", 20))
        + school("B", ("x", 2), ("w", 3), ("z", 20))
        + school("C", ("x", 6), ("z", 20))
    )
    atoms = atoms_from_profiles(profiles)
    cells = standard_cells(atoms, releases=["final"])
    published, _ = primary_suppress(cells, atoms, K)
    x_of = {a.id.school: a.id for a in atoms if a.id.codes == ("x",)}

    leaks = find_leaks(atoms, published, K)
    assert frozenset({x_of["A"], x_of["B"]}) in leaks
    for school_name in "AB":  # neither school's cells reveal its part on their own
        own = [c for c in published if c.id[0] == "school_group" and c.id[2] == school_name]
        own += [c for c in published if c.id == ("school", "final", school_name)]
        assert find_leaks(atoms, own, K) == []
    assert set(leaks) == minimal_groups(brute_force_leaks(atoms, published, K))

    protection = protect(atoms, cells, K)
    assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()


def test_late_respondents_cannot_be_isolated_by_final_minus_interim():
    # Interim release: 20 respondents per school. Final: two more in school A, answering "b".
    early = frozenset({"interim", "final"})
    profiles = (
        school("A", ("a", 12), ("b", 8), releases=early)
        + school("A", ("b", 2))
        + school("B", ("a", 10), ("b", 10), releases=early)
    )
    atoms = atoms_from_profiles(profiles)
    everything = standard_cells(atoms, releases=["interim", "final"])
    interim_cells = [c for c in everything if c.id[1] == "interim"]
    interim_atoms = [a for a in atoms if "interim" in a.id.releases]
    shown = protect(interim_atoms, interim_cells, K).published
    visible = as_fixed(interim_cells, shown)
    final_cells = [c for c in everything if c.id[1] == "final"]
    late = frozenset(a.id for a in atoms if a.id.releases == {"final"})

    # Published naively, the final release gives the late pair away (final A - interim A).
    naive, _ = primary_suppress(visible + final_cells, atoms, K)
    assert late in find_leaks(atoms, naive, K)

    protection = protect(atoms, visible + final_cells, K)
    assert all(protection.status(c.id) == "published" for c in visible)  # fixed stay visible
    after = published_cells(protection, visible + final_cells)
    assert brute_force_leaks(atoms, after, K) == set()
    assert protection.complementary_count >= 1


def test_a_leak_in_earlier_releases_alone_stops_the_build():
    atoms = atoms_from_profiles(school("S", ("teacher", 9), ("support", 3)))
    teacher = next(a for a in atoms if a.size == 9)
    earlier = [cell("school", atoms, fixed=True), cell("teacher", [teacher], fixed=True)]
    with pytest.raises(DisclosureError, match="earlier releases"):
        protect(atoms, earlier + [cell("new", atoms)], K)


def test_bad_input_is_refused_with_a_clear_error():
    atoms = [Atom("a", 3, "S"), Atom("b", 4, "S")]
    with pytest.raises(ValueError, match="unique"):
        find_leaks(atoms + [Atom("a", 1, "S")], [], K)
    with pytest.raises(ValueError, match="unknown atom"):
        find_leaks(atoms, [Cell("c", frozenset({"a", "zz"}))], K)
    with pytest.raises(ValueError, match="no respondents"):
        find_leaks([Atom("a", 0, "S")], [], K)
    with pytest.raises(ValueError, match="cell ids"):
        protect(atoms, [Cell("c", frozenset({"a"})), Cell("c", frozenset({"b"}))], K)


# -- generated organisations against the brute-force reference ----------------------------


@pytest.mark.parametrize("seed", range(40))
def test_audit_finds_exactly_the_leaks_brute_force_finds(seed):
    rng = np.random.default_rng(seed)
    atoms = random_organisation(rng, releases=seed % 3 == 0)
    releases = ["interim", "final"] if seed % 3 == 0 else ["final"]
    cells = standard_cells(atoms, releases=releases)
    published, _ = primary_suppress(cells, atoms, K)
    # Hide a random further share of the cells too, so that the leaks are varied.
    published = [c for c in published if rng.random() > rng.uniform(0, 0.4)]

    expected = minimal_groups(brute_force_leaks(atoms, published, K))
    assert set(find_leaks(atoms, published, K)) == expected


@pytest.mark.parametrize("seed", range(100, 120))
def test_protected_releases_leak_nothing_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    atoms = random_organisation(rng)
    cells = standard_cells(atoms, releases=["final"])
    protection = protect(atoms, cells, K)
    assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()
    assert protection.primary == {c.id for c in primary_suppress(cells, atoms, K)[1]}
    # Complementary suppression hides cells big enough to publish, and keeps most of them.
    kept = len(protection.published)
    assert kept >= (len(cells) - len(protection.primary)) / 2


@pytest.mark.parametrize("seed", range(300, 306))
def test_a_final_release_after_an_interim_one_leaks_nothing_together_with_it(seed):
    rng = np.random.default_rng(seed)
    atoms = random_organisation(rng, schools=(2, 4), respondents=(8, 30), releases=True)
    cells = standard_cells(atoms, releases=["interim", "final"])
    interim_cells = [c for c in cells if c.id[1] == "interim"]
    interim_atoms = [a for a in atoms if "interim" in a.id.releases]
    shown = protect(interim_atoms, interim_cells, K).published
    visible = as_fixed(interim_cells, shown)
    both = visible + [c for c in cells if c.id[1] == "final"]

    protection = protect(atoms, both, K)
    assert {c.id for c in visible} <= protection.published
    assert brute_force_leaks(atoms, published_cells(protection, both), K) == set()


def test_the_pairwise_rule_leaks_on_generated_data_where_protect_does_not():
    caught = 0
    for seed in range(200, 260):
        rng = np.random.default_rng(seed)
        atoms = random_organisation(rng, schools=(3, 4), respondents=(12, 30))
        cells = standard_cells(atoms, releases=["final"])
        published, _ = primary_suppress(cells, atoms, K)
        # Keep only what the pairwise rule accepts: it checks parent minus child, cell by cell.
        candidates = [c for c in published if pairwise_rule_would_publish(atoms, [c], K)]
        accepted = _greedy_pairwise(atoms, candidates)
        assert pairwise_rule_would_publish(atoms, accepted, K)
        if brute_force_leaks(atoms, accepted, K):
            caught += 1
            protection = protect(atoms, cells, K)
            assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()
        if caught >= 3:
            break
    assert caught >= 3, "the pairwise rule should have let a leak through"


def _greedy_pairwise(atoms, cells):
    accepted = []
    for candidate in cells:
        if pairwise_rule_would_publish(atoms, [*accepted, candidate], K):
            accepted.append(candidate)
    return accepted


def test_leaks_are_minimal_and_every_leak_is_a_union_of_them():
    rng = np.random.default_rng(7)
    atoms = random_organisation(rng)
    published, _ = primary_suppress(standard_cells(atoms, releases=["final"]), atoms, K)
    found = set(find_leaks(atoms, published, K))
    sizes = {a.id: a.size for a in atoms}
    for leak in brute_force_leaks(atoms, published, K):
        parts = [m for m in found if m <= leak]
        assert any(
            frozenset().union(*combo) == leak and sum(len(m) for m in combo) == len(leak)
            for r in range(1, len(parts) + 1)
            for combo in itertools.combinations(parts, r)
        )
        assert sum(sizes[a] for a in leak) < K


def test_a_large_organisation_is_audited_in_a_few_seconds():
    # A tenth of the benchmark (bench/bench_disclosure.py): 2,000 respondents in 20 schools.
    rng = np.random.default_rng(5)
    counts: dict[Profile, int] = {}
    for _ in range(2000):
        key = Profile(
            int(rng.integers(0, 20)),
            (
                int(rng.choice(4, p=[0.7, 0.22, 0.03, 0.05])),
                int(rng.integers(0, 3)),
                int(rng.integers(0, 6)),
            ),
            frozenset({"final"}),
        )
        counts[key] = counts.get(key, 0) + 1
    atoms = atoms_from_counts(counts.items())
    cells = standard_cells(atoms, releases=["final"])
    protection = protect(atoms, cells, K)
    assert protection.audit_seconds < 10
    assert find_leaks(atoms, published_cells(protection, cells), K) == []
    assert failure_bound(cells) < 1e-5


# -- which cells complementary suppression hides, and that it is deterministic --------------


def small_schools_organisation(seed, *, skipped=0.08):
    """Bigger schools of 10..59 respondents and two small schools of 1..3 that cannot be
    clustered (fewer than five small schools): like the release builder, no cells for the small
    schools (their respondents count in the organisation's totals only) and no demographic cuts
    for schools under 20. Two questions, some answers skipped, so totals are not sums of groups."""
    rng = np.random.default_rng(seed)
    big = [int(n) for n in rng.integers(10, 60, size=int(rng.integers(3, 6)))]
    small = [int(n) for n in rng.integers(1, 4, size=2)]
    answers = np.random.default_rng(seed + 1000)
    profiles = []
    for index, size in enumerate(big + small):
        for _ in range(size):
            codes = (answers.choice(3, p=[0.6, 0.3, 0.1]), answers.choice(2))
            profiles.append(
                Profile(
                    f"S{index}",
                    tuple(None if answers.random() < skipped else int(c) for c in codes),
                    frozenset({"final"}),
                )
            )
    atoms = atoms_from_profiles(profiles)
    unreported = {f"S{len(big) + i}" for i in range(len(small))}
    without_cuts = {f"S{i}" for i, n in enumerate(big) if n < 20}
    cells = [
        c
        for c in standard_cells(atoms, releases=["final"])
        if not (c.id[0] in ("school", "school_group") and c.id[2] in unreported)
        and not (c.id[0] == "school_group" and c.id[2] in without_cuts)
    ]
    return atoms, cells, unreported


# Generated organisations where choosing by "most leaks, then smallest" hid the organisation's
# total (the trust's top-line figures) although hiding school cells breaks the same leaks.
@pytest.mark.parametrize("seed", [10, 14, 18, 24])
def test_unclustered_small_schools_cost_school_cells_not_the_organisation_total(seed):
    atoms, cells, unreported = small_schools_organisation(seed)
    protection = protect(atoms, cells, K)

    assert protection.status(("organisation", "final")) == "published"
    hidden = protection.complementary
    assert hidden
    assert all(cell_id[0] != "organisation" for cell_id in hidden)
    # What goes instead: cells of the other schools (and demographic groups' cells).
    assert any(cell_id[0] in ("school", "school_group") for cell_id in hidden)
    assert not any(cell_id[2] in unreported for cell_id in hidden if cell_id[0] == "school")
    assert brute_force_leaks(atoms, published_cells(protection, cells), K) == set()


def test_a_school_total_goes_before_the_organisation_total_and_the_smallest_school_first():
    # No demographic questions: the organisation (45) minus schools A (25), B (9) and C (8)
    # isolates the three respondents of two unclustered small schools. Hiding any one of the four
    # totals breaks it: the smallest school's goes, never the organisation's.
    profiles = [
        Profile(name, (), frozenset({"final"}))
        for name, n in [("A", 25), ("B", 9), ("C", 8), ("D", 2), ("E", 1)]
        for _ in range(n)
    ]
    atoms = atoms_from_profiles(profiles)
    cells = [c for c in standard_cells(atoms, releases=["final"]) if c.id[-1] not in ("D", "E")]
    protection = protect(atoms, cells, K)
    assert protection.complementary == {("school", "final", "C")}
    assert protection.status(("organisation", "final")) == "published"

    # Once the schools' totals are fixed (an earlier release showed them), only the
    # organisation's total can break the leak, and then it is hidden.
    earlier = [Cell(c.id, c.atoms, fixed=True) for c in cells if c.id[0] == "school"]
    rest = [c for c in cells if c.id[0] != "school"]
    protection = protect(atoms, earlier + rest, K)
    assert protection.complementary == {("organisation", "final")}


def test_suppression_tiers_rank_organisation_totals_above_school_totals_above_groups():
    from surveys.aggregation import Group
    from surveys.disclosure.protect import (
        GROUP_TIER,
        ORGANISATION_TIER,
        TOTAL_TIER,
        suppression_tier,
    )

    assert suppression_tier(("organisation", "final")) == ORGANISATION_TIER
    assert suppression_tier(("school", "final", "A")) == TOTAL_TIER
    assert suppression_tier(("cluster", "final", 0)) == TOTAL_TIER
    assert suppression_tier(("school_group", "final", "A", 0, 1)) == GROUP_TIER
    assert suppression_tier(("organisation_two_groups", "final", 0, 1, 1, 0)) == GROUP_TIER
    # The release builder's ids: (release, Group).
    assert suppression_tier(("new", Group("organisation"))) == ORGANISATION_TIER
    assert suppression_tier((7, Group("school", school_id=3))) == TOTAL_TIER
    assert suppression_tier(("new", Group("organisation_group", answers=(("role", "t"),)))) == (
        GROUP_TIER
    )
    assert suppression_tier("teacher") == GROUP_TIER


def test_the_same_input_in_any_order_gives_the_same_suppressions():
    rng = np.random.default_rng(11)
    atoms = random_organisation(rng, schools=(3, 4), respondents=(8, 30), releases=True)
    cells = standard_cells(atoms, releases=["interim", "final"])
    first = protect(atoms, cells, K)
    assert first.complementary
    for shuffle_seed in range(3):
        shuffle = np.random.default_rng(shuffle_seed)
        again = protect(
            [atoms[i] for i in shuffle.permutation(len(atoms))],
            [cells[i] for i in shuffle.permutation(len(cells))],
            K,
        )
        assert again.complementary == first.complementary
        assert again.order == first.order
        assert again.published == first.published

    atoms, cells, _ = small_schools_organisation(24)
    assert protect(atoms, cells, K).order == protect(list(reversed(atoms)), cells[::-1], K).order


def test_suppressions_do_not_depend_on_the_process_string_hashing():
    # Profiles hold frozensets of releases, whose iteration order follows PYTHONHASHSEED.
    script = (
        "import numpy as np\n"
        "from surveys.tests.test_disclosure import random_organisation\n"
        "from surveys.disclosure import protect, standard_cells\n"
        "atoms = random_organisation(np.random.default_rng(11), schools=(3, 4),"
        " respondents=(8, 30), releases=True)\n"
        "cells = standard_cells(atoms, releases=['interim', 'final'])\n"
        "print(repr(protect(atoms, cells, 5).order))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "school" in outputs.pop()


# -- exact arithmetic ------------------------------------------------------------------------


def test_modular_products_and_echelon_forms_are_exact():
    p = random_prime()
    assert is_prime(p) and 2**30 <= p < 2**31
    assert [n for n in range(30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    rng = np.random.default_rng(1)
    a = rng.integers(0, p, (7, 300))
    b = rng.integers(0, p, (300, 5))
    exact = (a.astype(object) @ b.astype(object)) % p
    assert (matmul(a, b, p) == exact.astype(np.int64)).all()
    matrices = [
        (rng.random((int(rng.integers(0, 9)), 12)) < 0.4).astype(np.int64) for _ in range(30)
    ]
    for (many, many_pivots), matrix in zip(rref_many(matrices, p), matrices, strict=True):
        single, pivots = rref(matrix, p)
        assert pivots == many_pivots and (single == many).all()
        assert len(pivots) == (np.linalg.matrix_rank(matrix) if matrix.size else 0)


# -- group disclosure ------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(3, 10))
def test_small_cells_show_a_band_that_never_reveals_a_unanimous_answer(n):
    bands = {fav: favourable_band(fav, n) for fav in range(n + 1)}
    assert bands[0] == bands[1] and bands[0].low == 0 < bands[0].high < 100
    assert bands[n] == bands[n - 1] and bands[n].high == 100 > bands[n].low > 0
    for band in bands.values():
        assert (band.low, band.high) != (0, 0) and (band.low, band.high) != (100, 100)
        assert band.low % 10 == 0 and band.high % 10 == 0
    assert not shows_full_statistics(n)


def test_band_rounding_and_labels():
    assert (favourable_band(3, 7).low, favourable_band(3, 7).high) == (40, 40)  # 42.9 %
    assert (favourable_band(2, 4).low, favourable_band(2, 4).high) == (50, 50)
    assert (favourable_band(1, 3).low, favourable_band(1, 3).high) == (0, 40)
    with translation.override("en"):
        assert favourable_band(0, 5).label() == "20 % or less"
        assert favourable_band(5, 5).label() == "80 % or more"
        assert favourable_band(3, 7).label() == "about 40 %"
    assert shows_full_statistics(10)
    with pytest.raises(ValueError, match="full statistics"):
        favourable_band(5, 10)
    with pytest.raises(ValueError, match="between 0 and n"):
        favourable_band(6, 5)


# -- small schools, comments, response rates -----------------------------------------------


def test_small_schools_are_clustered_by_phase_then_size():
    schools = [SchoolCount(f"p{i}", "primary", 1 + i % 9) for i in range(12)]
    schools += [SchoolCount(f"s{i}", "secondary", 4) for i in range(3)]
    schools += [SchoolCount("big", "primary", 40), SchoolCount("empty", "primary", 0)]
    clustering = cluster_small_schools(schools, k=K)

    members = [set(c) for c in clustering.clusters]
    assert all(len(c) >= 5 for c in members)
    respondents = {s.school: s.respondents for s in schools}
    assert all(sum(respondents[s] for s in c) >= K for c in members)
    assert set().union(*members) == {s.school for s in schools if 0 < s.respondents < 10}
    # Twelve primaries make two clusters (5 + 7: the two left over join the nearest); the three
    # secondaries are too few for their own and join the last cluster formed.
    assert [len(c) for c in clustering.clusters] == [5, 10]
    assert clustering.cluster_of("big") is None and clustering.cluster_of("empty") is None
    assert cluster_small_schools(list(reversed(schools)), k=K) == clustering  # deterministic


def test_too_few_small_schools_are_not_reported_at_all():
    schools = [SchoolCount(i, "primary", 3) for i in range(4)]
    clustering = cluster_small_schools(schools, k=K)
    assert clustering.clusters == () and set(clustering.unreported) == {0, 1, 2, 3}
    # Five schools but fewer than k respondents between them (k = 8 here).
    tiny = [SchoolCount(i, "special", 1) for i in range(5)]
    assert cluster_small_schools(tiny, k=8).clusters == ()


def test_clusters_below_k_are_merged():
    schools = [SchoolCount(i, "primary", 1) for i in range(10)] + [SchoolCount(99, "primary", 9)]
    clustering = cluster_small_schools(schools, k=8)
    sizes = {s.school: s.respondents for s in schools}
    assert all(sum(sizes[s] for s in c) >= 8 for c in clustering.clusters)


def test_demographic_cuts_comments_and_response_rates_thresholds():
    assert not demographic_cuts_allowed(19) and demographic_cuts_allowed(20)
    assert not comments_shown(respondents=9, demographic_group=False)
    assert comments_shown(respondents=10, demographic_group=False)
    assert not comments_shown(respondents=500, demographic_group=True)
    assert response_rate_shown(invited=5, responded=5, k=5)
    assert not response_rate_shown(invited=40, responded=4, k=5)
    assert response_rate_shown(invited=4, responded=4, k=3)


def test_standard_cells_cover_the_allowed_views_only():
    atoms = atoms_from_profiles(
        [
            Profile("A", ("t", "young"), frozenset({"final"})),
            Profile("A", ("s", None), frozenset({"final"})),
            Profile("B", ("t", "old"), frozenset({"final"})),
            Profile("C", ("t", "old"), frozenset({"final"})),
        ]
    )
    cells = standard_cells(
        atoms, releases=["final"], clusters=[["C"]], schools_without_groups=["B"]
    )
    views = {c.id[0] for c in cells}
    assert views == {
        "organisation",
        "organisation_group",
        "organisation_two_groups",
        "school",
        "school_group",
        "cluster",
    }
    ids = {c.id for c in cells}
    assert ("school", "final", "C") not in ids and ("cluster", "final", 0) in ids
    assert not any(c.id[0] == "school_group" and c.id[2] in "BC" for c in cells)
    assert ("organisation_two_groups", "final", 0, "t", 1, "young") in ids
    assert not any(None in c.id for c in cells)  # a skipped question is no group

    with pytest.raises(ValueError, match="releases not listed"):
        standard_cells(atoms, releases=["interim"])
    fixed = as_fixed(cells, {("organisation", "final")})
    assert [(c.id, c.fixed) for c in fixed] == [(("organisation", "final"), True)]
