"""Every statistic a result cell shows, checked against an independent computation.

The first half tests the pure functions of surveys.statistics against numpy, scipy and
statsmodels. The second half builds releases from generated waves (reverse-scored items,
"not applicable", skipped items and all) and recomputes what their cells say from the
generator's own record of the answers, with the same independent tools."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from surveys import statistics as st
from surveys.generator import WaveProfile
from surveys.models import Domain, DomainReliability, Driver, Item, Release, ResultCell
from surveys.results import released_measure
from surveys.services.releases import release_build
from surveys.tests.waves import closed_wave, roster
from wellbeing.tenancy.context import organisation_scope

Disclosure = ResultCell.Disclosure


# --- pure functions ------------------------------------------------------------------------------
def test_largest_remainder_always_sums_to_100_and_stays_within_one_point_of_the_exact_share():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        values = rng.integers(0, 40, size=3).astype(float)
        if values.sum() == 0:
            continue
        rounded = st.largest_remainder(values.tolist())
        exact = 100 * values / values.sum()
        assert sum(rounded) == 100
        assert np.all(np.abs(np.array(rounded) - exact) < 1)
    assert st.largest_remainder([1, 1, 1]) == [34, 33, 33]
    assert st.largest_remainder([2, 1, 0]) == [67, 33, 0]
    assert st.largest_remainder([0, 0, 0]) == [0, 0, 0]


def test_shares_from_counts_group_4_5_favourable_3_neutral_1_2_unfavourable():
    answers = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 5])
    counts = [int((answers == v).sum()) for v in range(1, 6)]
    shares = st.shares_from_counts(counts)
    assert shares.favourable == pytest.approx(np.mean(answers >= 4))
    assert shares.neutral == pytest.approx(np.mean(answers == 3))
    assert shares.unfavourable == pytest.approx(np.mean(answers <= 2))
    assert sum(shares.percentages()) == 100


@pytest.mark.parametrize("successes,n", [(0, 10), (10, 10), (7, 12), (55, 130), (1, 5), (499, 1000)])
def test_wilson_interval_equals_statsmodels(successes, n):
    low, high = st.wilson_interval(successes / n, n)
    expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, abs=1e-12)
    assert 0 <= low <= successes / n <= high <= 1


def test_mean_and_sd_from_sums_equal_numpy():
    values = np.random.default_rng(3).integers(1, 6, size=57).astype(float)
    mean, sd = st.mean_and_sd(len(values), values.sum(), (values**2).sum())
    assert mean == pytest.approx(values.mean())
    assert sd == pytest.approx(values.std(ddof=1))
    assert st.mean_and_sd(1, 4.0, 16.0) == (4.0, None)


def test_statistics_of_many_counts_at_once_equal_numpy_on_the_answers_and_the_one_cell_functions():
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 30, size=(400, 5))
    counts[:40] = 0  # no answers
    counts[40:60] = np.eye(5, dtype=int)[rng.integers(0, 5, 20)]  # one answer
    counts[60:80, :3] = 0  # all favourable
    counts[80:100, 3:] = 0  # none favourable
    found = st.count_statistics(counts)
    for i, row in enumerate(counts.tolist()):
        n = sum(row)
        values = np.repeat(np.arange(1, 6), row)
        assert found.n[i] == n == values.size
        if n == 0:
            assert found.mean[i] is found.sd[i] is found.ci_low[i] is found.ci_high[i] is None
            continue
        shares = st.shares_from_counts(row)
        assert (found.favourable[i], found.neutral[i], found.unfavourable[i]) == (
            shares.favourable, shares.neutral, shares.unfavourable)
        assert found.favourable[i] == pytest.approx(np.mean(values >= 4))
        mean, sd = st.mean_and_sd(*st.counts_moments(row))
        assert found.mean[i] == mean and found.mean[i] == pytest.approx(values.mean())
        assert found.sd[i] == sd
        if n >= 2:
            assert found.sd[i] == pytest.approx(values.std(ddof=1))
        assert (found.ci_low[i], found.ci_high[i]) == st.wilson_interval(shares.favourable, n)
        low, high = proportion_confint(int((values >= 4).sum()), n, method="wilson")
        assert found.ci_low[i] == pytest.approx(low, abs=1e-12)
        assert found.ci_high[i] == pytest.approx(high, abs=1e-12)


def test_two_proportion_z_test_equals_statsmodels():
    rng = np.random.default_rng(5)
    for _ in range(200):
        n_1, n_2 = rng.integers(10, 400, size=2)
        x_1, x_2 = rng.integers(0, n_1 + 1), rng.integers(0, n_2 + 1)
        if x_1 + x_2 in (0, n_1 + n_2):
            continue
        _z, expected = proportions_ztest([x_1, x_2], [n_1, n_2])
        assert st.two_proportion_p_value(x_1 / n_1, n_1, x_2 / n_2, n_2) == pytest.approx(expected, rel=1e-9)
    # All favourable in both groups: no evidence of any difference.
    assert st.two_proportion_p_value(1.0, 20, 1.0, 30) == 1.0


def test_welch_test_from_summaries_equals_scipy_on_the_values():
    rng = np.random.default_rng(6)
    for _ in range(100):
        a = rng.integers(1, 6, size=rng.integers(10, 80)).astype(float)
        b = rng.integers(1, 6, size=rng.integers(10, 80)).astype(float)
        expected = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
        found = st.welch_p_value(a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b))
        assert found == pytest.approx(expected, rel=1e-9)


def test_benjamini_hochberg_equals_statsmodels():
    rng = np.random.default_rng(7)
    for size in (1, 2, 5, 48):
        p = np.concatenate([rng.uniform(0, 0.01, size=size // 2 + 1), rng.uniform(0, 1, size=size)])
        _reject, expected, _s, _b = multipletests(p, method="fdr_bh")
        assert st.benjamini_hochberg(p.tolist()) == pytest.approx(expected.tolist())


def test_a_gap_is_flagged_only_when_significant_after_bh_large_enough_and_both_groups_have_10():
    big_and_clear = st.proportion_comparison(0.80, 200, 0.50, 200)
    clear_but_small = st.proportion_comparison(0.53, 20000, 0.50, 20000)
    large_but_noisy = st.proportion_comparison(0.60, 12, 0.50, 12)
    too_few = st.proportion_comparison(0.90, 9, 0.10, 200)
    assert clear_but_small.p_value < 0.05 and abs(clear_but_small.gap) < 5
    assert large_but_noisy.p_value > 0.05 and abs(large_but_noisy.gap) >= 5
    assert too_few.p_value is None
    assert st.flag_significant([big_and_clear, clear_but_small, large_but_noisy, too_few], min_gap=5) == [
        True, False, False, None
    ]
    # Benjamini-Hochberg: p = 0.04 alone is significant, among many null results it is not.
    alone = st.Comparison(gap=10, p_value=0.04)
    nulls = [st.Comparison(gap=10, p_value=0.9)] * 9
    assert st.flag_significant([alone], min_gap=5) == [True]
    assert st.flag_significant([alone, *nulls], min_gap=5)[0] is False
    # On a mean the gap that matters is 0.2.
    assert st.flag_significant([st.mean_comparison(3.5, 0.8, 400, 3.35, 0.8, 400)], min_gap=0.2) == [False]
    assert st.flag_significant([st.mean_comparison(3.5, 0.8, 400, 3.25, 0.8, 400)], min_gap=0.2) == [True]


def test_cronbach_alpha_equals_the_covariance_matrix_formula():
    rng = np.random.default_rng(8)
    latent = rng.normal(size=300)
    items = np.clip(np.round(3 + latent[:, None] + rng.normal(scale=0.9, size=(300, 4))), 1, 5)
    k = items.shape[1]
    covariance = np.cov(items, rowvar=False)
    expected = k * k * covariance[~np.eye(k, dtype=bool)].mean() / covariance.sum()
    variances = items.var(axis=0, ddof=1)
    total = items.sum(axis=1)
    assert st.cronbach_alpha(variances, total.var(ddof=1)) == pytest.approx(expected)
    assert st.cronbach_alpha([1.0], 1.0) is None


def test_relative_weights_sum_to_r_squared_and_match_their_definition_by_regression():
    import statsmodels.api as sm

    rng = np.random.default_rng(9)
    n = 400
    shared = rng.normal(size=n)
    x = np.column_stack([shared + rng.normal(size=n) for _ in range(4)])
    y = 0.6 * x[:, 0] + 0.3 * x[:, 1] + 0.05 * x[:, 3] + rng.normal(size=n)
    weights = st.relative_weights(x, y)

    r_squared = sm.OLS(y, sm.add_constant(x)).fit().rsquared
    assert weights.r_squared == pytest.approx(r_squared)
    # Johnson's definition, by regression: Z is X made orthogonal (X R^-1/2, standardised);
    # beta are y's weights on Z, Lambda X's weights on Z; raw weight_j = sum_k Lambda_jk^2 beta_k^2.
    xs = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    values, vectors = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    z = xs @ vectors @ np.diag(values**-0.5) @ vectors.T
    beta = sm.OLS(ys, z).fit().params
    loading = np.array([sm.OLS(xs[:, j], z).fit().params for j in range(x.shape[1])])
    assert weights.raw == pytest.approx(((loading**2) @ (beta**2)).tolist(), rel=1e-6)
    assert sum(weights.shares) == pytest.approx(1.0)
    assert np.argmax(weights.shares) == 0


def test_relative_weights_of_uncorrelated_predictors_are_their_squared_correlations():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(5000, 3))
    x = np.linalg.qr(x - x.mean(axis=0))[0]  # exactly uncorrelated columns
    y = x @ np.array([3.0, 1.0, 0.5]) + rng.normal(size=5000) * 0.05
    weights = st.relative_weights(x, y)
    squared = [np.corrcoef(x[:, j], y)[0, 1] ** 2 for j in range(3)]
    assert weights.raw == pytest.approx(squared, rel=1e-6)


# --- on released cells ---------------------------------------------------------------------------
@pytest.fixture
def two_waves(world):
    """Two waves of one organisation; the second improved on workload and got worse on change."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"North": 90, "South": 70, "East": 45, "West": 30}, seed=12)
        noisy = {"skip_rate": 0.05, "not_applicable_rate": 0.15, "heavy_skipper_share": 0.15}
        first, first_wave = closed_wave(organisation=organisation, schools=schools, seed=21, year=2025,
                                        profile=WaveProfile(response_rate=0.85, **noisy))
        release_build(survey=first, kind=Release.Kind.FINAL)
        second, second_wave = closed_wave(
            organisation=organisation, schools=schools, seed=22, year=2026, previous_wave=first,
            title="Second", profile=WaveProfile(response_rate=0.85, domain_shifts={"workload": 0.8, "change": -0.6},
                                                **noisy),
        )
        release = release_build(survey=second, kind=Release.Kind.FINAL)
        items = {item.pk: item for item in Item.objects.filter(instrument_id=second.instrument_id)}
    return organisation, schools, first_wave, second_wave, release, items


def flipped_values(wave, items, item_id, school_id=None):
    """The valid answers to one item (flipped), from the generator's record: skipped items are
    absent and "not applicable" is None, so both are left out."""
    item = items[item_id]
    values = [
        (6 - r.answers[item_id]) if item.reverse_scored else r.answers[item_id]
        for r in wave.respondents
        if r.answers.get(item_id) is not None and (school_id is None or r.school_id == school_id)
    ]
    return np.array(values, dtype=float)


def rest_values(wave, items, item_id, school_id):
    item = items[item_id]
    return np.array([
        (6 - r.answers[item_id]) if item.reverse_scored else r.answers[item_id]
        for r in wave.respondents if r.answers.get(item_id) is not None and r.school_id != school_id
    ], dtype=float)


def test_item_cells_show_the_statistics_of_the_valid_answers_after_reverse_scoring(two_waves):
    organisation, schools, _first, wave, release, items = two_waves
    reverse = next(i for i in items.values() if i.reverse_scored)
    with_na = next(i for i in items.values() if i.allows_not_applicable)
    with organisation_scope(organisation):
        for item in (reverse, with_na):
            for school in (None, schools[0]):
                cell = released_measure(release=release, school=school, item=item).cell
                values = flipped_values(wave, items, item.pk, school.pk if school else None)
                assert cell.disclosure == Disclosure.FULL
                assert cell.n == len(values)
                assert cell.distribution == {str(v): int((values == v).sum()) for v in range(1, 6)}
                assert cell.mean == pytest.approx(values.mean(), abs=5e-4)
                assert cell.sd == pytest.approx(values.std(ddof=1), abs=5e-4)
                favourable = (values >= 4).mean()
                assert cell.favourable_share == pytest.approx(favourable)
                exact = 100 * np.array([favourable, (values == 3).mean(), (values <= 2).mean()])
                shown = np.array([cell.pct_favourable, cell.pct_neutral, cell.pct_unfavourable])
                assert shown.sum() == 100 and np.all(np.abs(shown - exact) < 1)
                low, high = proportion_confint(int((values >= 4).sum()), len(values), method="wilson")
                assert (cell.ci_low, cell.ci_high) == pytest.approx((100 * low, 100 * high), abs=0.051)
    # The answers did contain what should be left out.
    assert any(r.answers.get(with_na.pk, 0) is None for r in wave.respondents)
    assert any(with_na.pk not in r.answers for r in wave.respondents)


def test_differences_from_the_rest_of_the_organisation_and_changes_follow_the_tests_and_bh(two_waves):
    organisation, schools, first_wave, wave, release, items = two_waves
    school = schools[0]
    with organisation_scope(organisation):
        cells = {
            c.item_id: c for c in ResultCell.objects.filter(release=release, view="school", school=school,
                                                             item__isnull=False)
        }
        previous = Release.objects.get(survey=release.survey.previous_wave, status="published")
        before = {
            c.item_id: c for c in ResultCell.objects.filter(release=previous, view="school", school=school,
                                                             item__isnull=False)
        }
    ordered = sorted(cells)
    p_difference, gaps, p_change, changes, p_mean = [], [], [], [], []
    for item_id in ordered:
        mine = flipped_values(wave, items, item_id, school.pk)
        rest = rest_values(wave, items, item_id, school.pk)
        x = [int((mine >= 4).sum()), int((rest >= 4).sum())]
        p_difference.append(proportions_ztest(x, [len(mine), len(rest)])[1])
        gaps.append(100 * ((mine >= 4).mean() - (rest >= 4).mean()))
        p_mean.append(scipy_stats.ttest_ind(mine, rest, equal_var=False).pvalue)
        then = flipped_values(first_wave, items, item_id, school.pk)
        p_change.append(proportions_ztest([int((mine >= 4).sum()), int((then >= 4).sum())], [len(mine), len(then)])[1])
        changes.append(100 * ((mine >= 4).mean() - (then >= 4).mean()))
        assert before[item_id].disclosure == Disclosure.FULL

    for p_values, gap_values, field in ((p_difference, gaps, "difference"), (p_change, changes, "change")):
        reject = multipletests(p_values, method="fdr_bh")[1] < 0.05
        expected = [bool(r and abs(g) >= 5) for r, g in zip(reject, gap_values, strict=True)]
        assert [getattr(cells[i], field) for i in ordered] == pytest.approx(gap_values, abs=0.051)
        assert [getattr(cells[i], f"{field}_significant") for i in ordered] == expected
    mean_gaps = [flipped_values(wave, items, i, school.pk).mean() - rest_values(wave, items, i, school.pk).mean()
                 for i in ordered]
    mean_reject = multipletests(p_mean, method="fdr_bh")[1] < 0.05
    assert [cells[i].mean_difference_significant for i in ordered] == [
        bool(r and abs(g) >= 0.2) for r, g in zip(mean_reject, mean_gaps, strict=True)
    ]
    # The generated waves did move: workload improved a lot, and the tests saw it.
    workload = [i for i in ordered if items[i].code.startswith("workload")]
    assert any(cells[i].change_significant for i in workload)
    assert all(cells[i].difference_significant is not None for i in ordered)


def test_domain_cells_score_people_with_half_their_items_answered_and_average_item_favourability(two_waves):
    organisation, schools, _first, wave, release, items = two_waves
    with organisation_scope(organisation):
        domain = Domain.objects.get(instrument_id=release.survey.instrument_id, code="workload")
        cell = released_measure(release=release, domain=domain).cell
        item_cells = [released_measure(release=release, item=i).cell for i in Item.objects.filter(domain=domain)]
    domain_items = [i for i in items.values() if i.domain_id == domain.pk]
    scores = []
    for r in wave.respondents:
        values = [(6 - r.answers[i.pk]) if i.reverse_scored else r.answers[i.pk]
                  for i in domain_items if r.answers.get(i.pk) is not None]
        if 2 * len(values) >= len(domain_items):
            scores.append(np.mean(values))
    assert cell.n == len(scores) < len(wave.respondents)
    assert cell.mean == pytest.approx(np.mean(scores), abs=5e-4)
    assert cell.sd == pytest.approx(np.std(scores, ddof=1), abs=5e-4)
    assert cell.favourable_share == pytest.approx(np.mean([c.favourable_share for c in item_cells]))
    assert cell.pct_favourable + cell.pct_neutral + cell.pct_unfavourable == 100


def test_reliability_and_drivers_at_organisation_level(two_waves):
    organisation, schools, _first, wave, release, items = two_waves
    with organisation_scope(organisation):
        reliability = {r.domain.code: r for r in DomainReliability.objects.filter(release=release)
                       .select_related("domain")}
        drivers = defaultdict(dict)
        for driver in Driver.objects.filter(release=release).select_related("outcome", "domain"):
            drivers[driver.outcome.code][driver.domain.code] = driver
        domains = {d.pk: d for d in Domain.objects.filter(instrument_id=release.survey.instrument_id)}

    # Alpha, listwise, by the covariance-matrix formula.
    by_domain = defaultdict(list)
    for item in items.values():
        by_domain[item.domain_id].append(item)
    for domain_id, domain_items in by_domain.items():
        if len(domain_items) < 2:
            continue
        rows = [[(6 - r.answers[i.pk]) if i.reverse_scored else r.answers[i.pk] for i in domain_items]
                for r in wave.respondents if all(r.answers.get(i.pk) is not None for i in domain_items)]
        matrix = np.array(rows, dtype=float)
        k = matrix.shape[1]
        covariance = np.cov(matrix, rowvar=False)
        expected = k * k * covariance[~np.eye(k, dtype=bool)].mean() / covariance.sum()
        found = reliability[domains[domain_id].code]
        assert found.n == len(rows)
        assert found.alpha == pytest.approx(expected)
        assert found.flagged == (expected < 0.70)

    # Drivers: Johnson's weights over people with every domain score, recomputed from the answers.
    assert set(drivers) == {"job-satisfaction", "intention-to-stay", "personal-wellbeing"}
    satisfaction = drivers["job-satisfaction"]
    assert sum(d.importance for d in satisfaction.values()) == pytest.approx(1.0)
    predictors = [d for d in domains.values() if not d.is_outcome]
    outcome = next(d for d in domains.values() if d.code == "job-satisfaction")

    def score(r, domain):
        values = [(6 - r.answers[i.pk]) if i.reverse_scored else r.answers[i.pk]
                  for i in by_domain[domain.pk] if r.answers.get(i.pk) is not None]
        return np.mean(values) if values and 2 * len(values) >= len(by_domain[domain.pk]) else None

    table = [[score(r, d) for d in [*predictors, outcome]] for r in wave.respondents]
    complete = np.array([row for row in table if all(v is not None for v in row)], dtype=float)
    expected = st.relative_weights(complete[:, :-1], complete[:, -1]).shares
    assert [satisfaction[d.code].importance for d in predictors] == pytest.approx(expected)
    assert satisfaction[predictors[0].code].n == len(complete)
    # The generator drives satisfaction by leadership, recognition and workload.
    top_three = sorted(satisfaction.values(), key=lambda d: -d.importance)[:3]
    assert {"leadership", "recognition"} & {d.domain.code for d in top_three}
