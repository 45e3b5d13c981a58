"""Objectives on survey measures, fed by real releases: built by the release service from answers
the surveys' generator submitted, published, and announced by the surveys' `release_published`
signal. Nothing here stands in for the results: the cells are the ones a dashboard shows.

Issue 5, first "done when": an objective on a survey domain takes a new release's value, status
and history by itself, and says "not reportable" (no number) where the scope's cell is suppressed.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from actionplans import measures, services
from actionplans.models import ChangeRecord, MetricReading, Objective
from actionplans.tests import factories, results
from surveys import services as survey_services
from surveys.models import Release
from surveys.results import released_measure
from surveys.services.releases import release_build
from surveys.tests.factories import core_instrument
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School

Status = Objective.Status


def _wait_for(found, *, seconds: float = 120, every: float = 0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"nothing after {seconds} s")


def _worker_idle():
    from celery.worker import state

    return not (state.active_requests or state.reserved_requests)


def _published(organisation, survey):
    with organisation_scope(organisation):
        return Release.objects.filter(survey=survey, status=Release.Status.PUBLISHED).first()


def _reloaded(organisation, objective):
    with organisation_scope(organisation):
        return Objective.objects.get(pk=objective.pk)


@pytest.mark.celery
def test_a_new_release_moves_the_objectives_value_status_and_history_and_a_suppressed_cell_shows_no_number(
    world, celery_worker, signed_in
):
    organisation, lead = world.org("a"), world.user("a", "organisation_lead")
    oak, elm = world.school("a", 0), world.school("a", 1)
    with organisation_scope(organisation):
        results.staff(oak, 40, seed=1)
        results.staff(elm, 30, seed=2)
        first = results.wave(organisation=organisation, schools=[oak, elm], year=2025)
    # Closing the survey queued its release on the worker.
    first_release = _wait_for(lambda: _published(organisation, first))
    _wait_for(_worker_idle)
    with organisation_scope(organisation):
        baseline_cell = results.domain_cell(first_release, school=oak)
        objective = factories.survey_objective(
            organisation=organisation, created_by=lead, school=oak, baseline_survey=first,
            target=Decimal(baseline_cell.pct_favourable + 20), target_date=timezone.localdate() + datetime.timedelta(days=700),
        )
    assert objective.baseline_value == Decimal(baseline_cell.pct_favourable)
    assert (objective.status, objective.current_value) == (Status.AWAITING, objective.baseline_value)

    # A second wave, much better on workload: its release reaches the objective on its own.
    with organisation_scope(organisation):
        second = results.wave(organisation=organisation, schools=[oak, elm], year=2026, seed=8, previous=first,
                              shifts={"workload": 1.5})
    second_release = _wait_for(lambda: _published(organisation, second))
    objective = _wait_for(lambda: (o := _reloaded(organisation, objective)).current_as_of != o.baseline_date and o)
    with organisation_scope(organisation):
        cell = results.domain_cell(second_release, school=oak)
        records = list(ChangeRecord.objects.filter(subject="objective", subject_id=objective.pk, kind="reading"))
    assert cell.change_significant is True and cell.pct_favourable >= objective.target_value
    assert objective.current_value == Decimal(cell.pct_favourable)
    assert (objective.baseline_date, objective.current_as_of) == (datetime.date(2025, 3, 23), datetime.date(2026, 3, 23))
    assert objective.significant_change is True
    assert objective.status == Status.MET
    [record] = records
    assert record.user is None  # nobody touched the objective
    assert {"field": "current_value", "old": str(baseline_cell.pct_favourable),
            "new": str(cell.pct_favourable)} in record.changes
    assert {"field": "status", "old": "awaiting", "new": "met"} in record.changes
    page = signed_in(lead).get(f"/o/trust-a/objectives/{objective.pk}/").content.decode()
    assert f"{cell.pct_favourable}%" in page.split('id="latest"')[1].split("</dd>")[0]
    history = page.split('id="history"')[1]
    assert "by Staffwell" in history and "Read from Staff survey 2026 results" in history

    # A third wave with a minimum group larger than Oak's answers: Oak's cell is suppressed.
    with organisation_scope(organisation):
        third = results.wave(organisation=organisation, schools=[oak, elm], year=2027, seed=9, previous=second,
                             threshold=40)
    third_release = _wait_for(lambda: _published(organisation, third))
    objective = _wait_for(lambda: (o := _reloaded(organisation, objective)).status == Status.NOT_REPORTABLE and o)
    with organisation_scope(organisation):
        suppressed = results.domain_cell(third_release, school=oak)
        latest = objective.readings.order_by("-date", "-id").first()
    assert suppressed.disclosure == "suppressed"
    assert objective.current_value is None and objective.significant_change is None
    assert (latest.state, latest.value, latest.release_id) == (MetricReading.State.NOT_REPORTABLE, None,
                                                               third_release.pk)
    page = signed_in(lead).get(f"/o/trust-a/objectives/{objective.pk}/").content.decode()
    assert 'data-status="not_reportable"' in page and 'id="not-reportable"' in page
    latest_row = page.split('id="latest"')[1].split("</dd>")[0]
    assert "Not reportable" in latest_row and "%" not in latest_row
    readings = page.split('id="readings"')[1].split("</table>")[0]
    assert readings.count("Not reportable") == 1
    listing = signed_in(lead).get("/o/trust-a/objectives/").content.decode()
    assert 'data-value="not-reportable"' in listing


@pytest.fixture
def two_waves(world):
    """Two released waves of A's two schools (2025, then 2026 with better work-life balance)."""
    organisation = world.org("a")
    oak, elm = world.school("a", 0), world.school("a", 1)
    with organisation_scope(organisation):
        results.staff(oak, 40, seed=1)
        results.staff(elm, 30, seed=2)
        first, first_release = results.published_wave(organisation=organisation, schools=[oak, elm], year=2025)
        second, second_release = results.published_wave(
            organisation=organisation, schools=[oak, elm], year=2026, seed=8, previous=first,
            shifts={"work-life-balance": 1.2})
    return {"surveys": (first, second), "releases": (first_release, second_release)}


def test_an_objective_reads_its_own_scope_its_statistic_and_each_release_once(world, two_waves):
    organisation, lead = world.org("a"), world.user("a", "organisation_lead")
    first, second = two_waves["releases"]
    with organisation_scope(organisation):
        instrument = core_instrument()
        item = instrument.items.filter(domain__code="work-life-balance").order_by("number").first()
        # Set after both releases: the baseline is the chosen wave's, the latest the next one's.
        by_mean = services.objective_create(
            organisation=organisation, created_by=lead, title="Staff feel their time is respected",
            metric_kind="survey", measure_item=item, statistic="mean", baseline_survey=two_waves["surveys"][0],
            target_value=Decimal("4.8"), target_date=datetime.date(2029, 6, 30),
        )
        whole = factories.survey_objective(organisation=organisation, created_by=lead, domain_code="work-life-balance",
                                           baseline_survey=two_waves["surveys"][0], target=Decimal("99"),
                                           target_date=datetime.date(2029, 6, 30))
        services.objectives_record_release(release_id=second.pk)  # a retried task adds nothing
        organisation_item = measures.survey_measure_value(
            release=measures.release_facts(release_id=second.pk), scope_school=None, item=item, statistic="mean")
        item_cells = [released_measure(release=r, item=item).cell for r in (first, second)]
        domain_cells = [results.domain_cell(r, code="work-life-balance") for r in (first, second)]
        mean_readings = list(by_mean.readings.values_list("value", "significant_change", "is_baseline"))
        whole_readings = list(whole.readings.values_list("value", flat=True))

    assert mean_readings == [
        (Decimal(str(round(item_cells[0].mean, 2))), item_cells[0].mean_change_significant, True),
        (Decimal(str(round(item_cells[1].mean, 2))), item_cells[1].mean_change_significant, False),
    ]
    assert organisation_item.value == Decimal(str(round(item_cells[1].mean, 2)))
    assert whole_readings == [Decimal(c.pct_favourable) for c in domain_cells]
    assert by_mean.baseline_date == datetime.date(2025, 3, 23)  # the day the baseline wave closed


def test_a_school_the_release_did_not_survey_has_no_results_not_a_zero(world, two_waves):
    organisation, lead = world.org("a"), world.user("a", "organisation_lead")
    with organisation_scope(organisation):
        new_school = School.objects.create(name="A School 3", phase=School.Phase.PRIMARY)
        objective = factories.survey_objective(organisation=organisation, created_by=lead, school=new_school)
        assert not objective.readings.exists()
    assert (objective.status, objective.current_value) == (Status.AWAITING, None)


def test_a_final_release_replaces_the_waves_interim_reading(world):
    organisation, lead = world.org("a"), world.user("a", "organisation_lead")
    oak = world.school("a", 0)
    with organisation_scope(organisation):
        results.staff(oak, 40, seed=3)
        survey = results.wave(organisation=organisation, schools=[oak], year=2026, close=False)
        interim = release_build(survey=survey, kind=Release.Kind.INTERIM)
        objective = factories.survey_objective(organisation=organisation, created_by=lead, target=Decimal("99"),
                                               target_date=datetime.date(2029, 6, 30))
        assert list(objective.readings.values_list("release_id", flat=True)) == [interim.pk]
        survey = survey_services.survey_close(survey=survey)
        final = release_build(survey=survey, kind=Release.Kind.FINAL)
        services.objectives_record_release(release_id=final.pk)
        readings = list(objective.readings.values_list("release_id", "is_baseline"))
        objective.refresh_from_db()
    assert readings == [(final.pk, True)]
    assert objective.baseline_survey_id == survey.pk

