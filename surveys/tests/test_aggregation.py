"""The SQL aggregation equals a straightforward recomputation in Python from the same answers.

The generated wave keeps, in memory, exactly what it stored (answers as submitted, demographic
codes, schools); each test recomputes one aggregate from that, row by row, the obvious way, and
compares it with what the aggregation module computed in SQL over the database."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import numpy as np
import pytest

from surveys.aggregation import Group, wave_snapshot
from surveys.generator import WaveProfile
from surveys.models import PREFER_NOT_TO_SAY, Item, ResultCell
from surveys.tests.waves import closed_wave, roster
from wellbeing.tenancy.context import organisation_scope

View = ResultCell.View
QUESTIONS = ("job_category", "contract", "age_band")


@pytest.fixture
def generated(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Large": 60, "Middle": 35, "Small one": 7, "Small two": 4}, seed=3)
        # Many skips and "not applicable" answers, so that the exclusions are exercised.
        profile = WaveProfile(response_rate=0.85, skip_rate=0.06, not_applicable_rate=0.2, heavy_skipper_share=0.2)
        survey, wave = closed_wave(organisation=organisation, schools=schools, profile=profile, seed=11)
        items = {item.pk: item for item in Item.objects.filter(instrument_id=survey.instrument_id)}
    return organisation, survey, wave, items, schools


def flipped(item, value):
    return 6 - value if item.reverse_scored else value


def groups_of(respondent, clusters):
    """Every group the respondent belongs to, written out by hand from the allowed views."""
    codes = [
        (q, respondent.demographics.get(q))
        for q in QUESTIONS
        if respondent.demographics.get(q) not in (None, PREFER_NOT_TO_SAY)
    ]
    school = respondent.school_id
    found = [Group(View.ORGANISATION), Group(View.SCHOOL, school_id=school)]
    if school in clusters:
        found.append(Group(View.CLUSTER, cluster=clusters[school]))
    for answer in codes:
        found.append(Group(View.SCHOOL_BY_GROUP, school_id=school, answers=(answer,)))
        found.append(Group(View.ORGANISATION_BY_GROUP, answers=(answer,)))
    for pair in itertools.combinations(codes, 2):
        found.append(Group(View.ORGANISATION_BY_TWO_GROUPS, answers=pair))
    return found


def test_item_counts_equal_a_recount_by_hand_with_reverse_scoring_not_applicable_and_skips(generated):
    organisation, survey, wave, items, schools = generated
    clusters = {schools[2].pk: 0, schools[3].pk: 0}
    expected: dict = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for respondent in wave.respondents:
        for group in groups_of(respondent, clusters):
            for item_id, value in respondent.answers.items():
                if value is None:
                    expected[(group, item_id)][5] += 1
                else:
                    expected[(group, item_id)][flipped(items[item_id], value) - 1] += 1

    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            snapshot.set_clusters(clusters)
            found = snapshot.item_counts()

    assert {key: (*c.counts, c.not_applicable) for key, c in found.items()} == {
        key: tuple(v) for key, v in expected.items()
    }
    # The data did exercise what it should: reverse-scored items, "not applicable", skipped items.
    assert any(item.reverse_scored for item in items.values())
    assert sum(c.not_applicable for c in found.values()) > 0
    answered = sum(len(r.answers) for r in wave.respondents)
    assert answered < len(wave.respondents) * len(items)


def test_respondent_counts_and_atoms_equal_a_recount(generated):
    organisation, survey, wave, items, schools = generated
    expected = Counter(g for r in wave.respondents for g in groups_of(r, {}))
    expected_atoms = Counter(
        (r.school_id, tuple(
            None if r.demographics.get(q) in (None, PREFER_NOT_TO_SAY) else r.demographics[q] for q in QUESTIONS
        ))
        for r in wave.respondents
    )

    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            groups = snapshot.group_respondents()
            atoms = snapshot.atom_counts()
            by_school = snapshot.respondents_by_school()

    assert groups == dict(expected)
    assert {(school, codes): n for school, codes, n in atoms} == dict(expected_atoms)
    assert by_school == dict(Counter(r.school_id for r in wave.respondents))


def domain_scores(respondent, items, domain_items):
    """{domain id: score} — the mean of the answered items, when at least half are answered."""
    scores = {}
    for domain_id, ids in domain_items.items():
        values = [
            flipped(items[i], respondent.answers[i]) for i in ids if respondent.answers.get(i) is not None
        ]
        if values and 2 * len(values) >= len(ids):
            scores[domain_id] = float(np.mean(values))
    return scores


def test_domain_sums_use_the_mean_of_answered_items_when_at_least_half_are_answered(generated):
    organisation, survey, wave, items, schools = generated
    domain_items = defaultdict(list)
    for item in items.values():
        domain_items[item.domain_id].append(item.pk)
    expected: dict = defaultdict(list)
    for respondent in wave.respondents:
        scores = domain_scores(respondent, items, domain_items)
        for group in groups_of(respondent, {}):
            for domain_id, score in scores.items():
                expected[(group, domain_id)].append(score)

    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            found = snapshot.domain_sums()
            domain_ids, matrix = snapshot.domain_score_matrix()

    assert set(found) == set(expected)
    for key, values in expected.items():
        sums = found[key]
        assert sums.n == len(values)
        assert sums.total == pytest.approx(sum(values))
        assert sums.squares == pytest.approx(sum(v * v for v in values))
    # Some people had too few answers in a domain to be scored in it.
    organisation_level = sum(found[(Group(View.ORGANISATION), d)].n for d in domain_items)
    assert organisation_level < len(wave.respondents) * len(domain_items)
    # The per-person matrix holds the same scores, one row per respondent with any score.
    scored = [s for s in (domain_scores(r, items, domain_items) for r in wave.respondents) if s]
    assert matrix.shape == (len(scored), len(domain_ids))
    per_person = sorted(tuple(round(s.get(d, -1.0), 9) for d in domain_ids) for s in scored)
    assert sorted(tuple(round(v, 9) for v in np.nan_to_num(row, nan=-1.0)) for row in matrix) == per_person


def test_reliability_sums_are_listwise_over_respondents_who_answered_every_item(generated):
    organisation, survey, wave, items, schools = generated
    domain_items = defaultdict(list)
    for item in sorted(items.values(), key=lambda i: i.pk):
        domain_items[item.domain_id].append(item.pk)

    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            found = snapshot.reliability_sums()

    for domain_id, ids in domain_items.items():
        rows = [
            [flipped(items[i], r.answers[i]) for i in ids]
            for r in wave.respondents
            if all(r.answers.get(i) is not None for i in ids)
        ]
        if not rows:
            assert domain_id not in found
            continue
        matrix = np.array(rows, dtype=float)
        sums = found[domain_id]
        assert sums.n == len(rows)
        assert sorted(sums.items) == pytest.approx(sorted(zip(matrix.sum(axis=0), (matrix**2).sum(axis=0), strict=False)))
        total = matrix.sum(axis=1)
        assert sums.total == pytest.approx((total.sum(), (total**2).sum()))


def test_comments_are_read_with_their_school_only(generated):
    organisation, survey, wave, items, schools = generated
    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            comments = snapshot.comments()
    assert sorted(comments) == sorted(wave.comments)


def test_a_snapshot_reads_one_organisation_only(generated, world):
    organisation, survey, wave, items, schools = generated
    other = world.org("b")
    with organisation_scope(other):
        other_schools = roster(sizes={"B one": 30}, seed=5)
        closed_wave(organisation=other, schools=other_schools, seed=2)
    with organisation_scope(organisation):
        with wave_snapshot(survey) as snapshot:
            groups = snapshot.group_respondents()
    assert groups[Group(View.ORGANISATION)] == len(wave.respondents)


@pytest.mark.parametrize("questions", [(), ("contract",)])
def test_aggregates_with_no_or_one_demographic_question_equal_a_recount(world, questions):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Large": 30, "Small one": 6}, seed=4)
        survey, wave = closed_wave(organisation=organisation, schools=schools, demographics=questions, seed=5)
        items = {item.pk: item for item in Item.objects.filter(instrument_id=survey.instrument_id)}
        with wave_snapshot(survey) as snapshot:
            clusters = {schools[1].pk: 0}
            snapshot.set_clusters(clusters)
            found = snapshot.item_counts()
            sums = snapshot.domain_sums()
            respondents = snapshot.group_respondents()
    expected: dict = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    domain_items = defaultdict(list)
    for item in items.values():
        domain_items[item.domain_id].append(item.pk)
    expected_sums: dict = defaultdict(list)
    for respondent in wave.respondents:
        for group in groups_of(respondent, clusters):
            for item_id, value in respondent.answers.items():
                expected[(group, item_id)][5 if value is None else flipped(items[item_id], value) - 1] += 1
            for domain_id, score in domain_scores(respondent, items, domain_items).items():
                expected_sums[(group, domain_id)].append(score)
    assert {key: (*c.counts, c.not_applicable) for key, c in found.items()} == {k: tuple(v) for k, v in expected.items()}
    assert {key: s.n for key, s in sums.items()} == {key: len(v) for key, v in expected_sums.items()}
    for key, values in expected_sums.items():
        assert sums[key].total == pytest.approx(sum(values))
    assert respondents[Group(View.ORGANISATION)] == len(wave.respondents)
    assert {g.view for g in respondents} == (
        {View.ORGANISATION, View.SCHOOL, View.CLUSTER}
        | ({View.SCHOOL_BY_GROUP, View.ORGANISATION_BY_GROUP} if questions else set())
    )
