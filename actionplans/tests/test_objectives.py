"""SMART objectives: each SMART check, the status from the trajectory, and the history of
changes. Readings from real releases (and "not reportable") are in test_released_results.py."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from actionplans import services
from actionplans.models import ChangeRecord, MetricReading, Objective
from actionplans.tests import factories
from surveys.models import Domain
from surveys.tests.factories import core_instrument
from wellbeing.tenancy.context import organisation_scope

Status = Objective.Status
BASELINE_DATE = datetime.date(2026, 9, 1)
TODAY = datetime.date(2026, 11, 2)


def _create(world, **overrides):
    """An absence objective as a lead would fill it in, with `overrides` spoiling one part."""
    arguments = {
        "organisation": world.org("a"), "created_by": world.user("a", "organisation_lead"),
        "title": "Reduce staff absence", "metric_kind": "manual", "series": "absence_days_per_fte",
        "baseline_value": Decimal("8"), "baseline_date": BASELINE_DATE, "target_value": Decimal("6"),
        "target_date": datetime.date(2027, 7, 31), "today": TODAY,
    }
    arguments.update(overrides)
    return services.objective_create(**arguments)


SMART_CASES = {
    "no metric": ({"metric_kind": ""}, "metric_kind", "no_metric"),
    "no target": ({"target_value": None}, "target_value", "no_target"),
    "no date": ({"target_date": None}, "target_date", "no_date"),
    "target is no change": ({"target_value": Decimal("8")}, "target_value", "no_change"),
    "target the wrong way": ({"target_value": Decimal("9")}, "target_value", "wrong_direction"),
    "date in the past": ({"target_date": datetime.date(2026, 10, 1)}, "target_date", "date_in_past"),
}


@pytest.mark.parametrize("overrides, field, code", SMART_CASES.values(), ids=SMART_CASES.keys())
def test_each_smart_check_refuses_its_bad_case_on_its_own_field_and_saves_nothing(world, overrides, field, code):
    with organisation_scope(world.org("a")):
        with pytest.raises(ValidationError) as refused:
            _create(world, **overrides)
        errors = refused.value.error_dict

        assert list(errors) == [field]
        assert [error.code for error in errors[field]] == [code]
        assert not Objective.objects.exists()


def test_each_smart_check_has_its_own_message(world):
    messages = {}
    with organisation_scope(world.org("a")):
        for name, (overrides, field, _code) in SMART_CASES.items():
            with pytest.raises(ValidationError) as refused:
                _create(world, **overrides)
            messages[name] = refused.value.message_dict[field][0]

    assert len(set(messages.values())) == len(SMART_CASES), messages
    assert "same as the baseline (8)" in messages["target is no change"]
    assert "lower is better" in messages["target the wrong way"]


def test_a_survey_measure_without_an_item_or_domain_is_refused_for_want_of_a_measure(world):
    with organisation_scope(world.org("a")):
        with pytest.raises(ValidationError) as refused:
            services.objective_create(
                organisation=world.org("a"), created_by=None, title="Better workload", metric_kind="survey",
                statistic="pct_favourable", target_value=Decimal("60"), target_date=datetime.date(2027, 7, 1),
                today=TODAY,
            )
    assert [e.code for e in refused.value.error_dict["measure"]] == ["no_metric"]


def test_the_form_shows_the_missing_part_next_to_its_field_and_keeps_what_was_typed(world, signed_in):
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.post("/o/trust-a/objectives/new/", {
        "school": "organisation", "title": "Reduce staff absence", "metric_kind": "manual",
        "series": "absence_days_per_fte", "baseline_value": "8", "baseline_date": "2026-09-01",
        "target_value": "6",  # no target date
    })

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the date by which the target should be reached." in page
    assert 'id="id_target_date_error"' in page
    assert 'value="Reduce staff absence"' in page
    with organisation_scope(world.org("a")):
        assert not Objective.objects.exists()


# --- Status from the trajectory (manual series) --------------------------------------------------
# Absence: 8 days per FTE on 1 September 2026, target 6 by 31 July 2027 (lower is better). On
# 31 January 2027 the straight line expects about 7.09.
STATUS_CASES = {
    "on track": (datetime.date(2027, 1, 31), "7.1", datetime.date(2027, 2, 1), Status.ON_TRACK),
    "at risk": (datetime.date(2027, 1, 31), "7.4", datetime.date(2027, 2, 1), Status.AT_RISK),
    "off track": (datetime.date(2027, 1, 31), "8.2", datetime.date(2027, 2, 1), Status.OFF_TRACK),
    "met": (datetime.date(2027, 1, 31), "5.9", datetime.date(2027, 2, 1), Status.MET),
    "not met": (datetime.date(2027, 7, 20), "6.5", datetime.date(2027, 8, 15), Status.NOT_MET),
}


@pytest.mark.parametrize("date, value, today, expected", STATUS_CASES.values(), ids=STATUS_CASES.keys())
def test_a_series_reading_sets_the_status_from_the_trajectory(world, date, value, today, expected):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        objective = factories.manual_objective(organisation=world.org("a"), created_by=lead)
        assert objective.status == Status.AWAITING

        services.objective_record_reading(objective=objective, date=date, value=Decimal(value),
                                          source="HR", entered_by=lead, today=today)
        objective.refresh_from_db()

    assert objective.status == expected
    assert objective.current_value == Decimal(value)
    assert objective.current_as_of == date


def test_not_met_follows_the_calendar_without_a_new_reading(world):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        objective = factories.manual_objective(organisation=world.org("a"), created_by=lead)
        services.objective_record_reading(objective=objective, date=datetime.date(2027, 3, 1),
                                          value=Decimal("7"), entered_by=lead, today=datetime.date(2027, 3, 2))
        services.objectives_refresh_all(today=datetime.date(2027, 8, 1))
        objective.refresh_from_db()
        record = ChangeRecord.objects.filter(subject="objective", subject_id=objective.pk).first()

    assert objective.status == Status.NOT_MET
    assert record.user is None and record.kind == ChangeRecord.Kind.RECOMPUTED
    assert {"field": "status", "old": "on_track", "new": "not_met"} in record.changes


def test_a_survey_measure_cannot_be_typed_in(world):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        objective = factories.survey_objective(organisation=world.org("a"), created_by=lead)
        with pytest.raises(ValidationError) as refused:
            services.objective_record_reading(objective=objective, date=TODAY, value=Decimal("99"),
                                              entered_by=lead)
        assert not MetricReading.objects.filter(objective=objective).exists()
    assert refused.value.code == "survey_measure"


def test_a_survey_objective_says_no_results_yet_until_a_release_exists(world, signed_in):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        objective = factories.survey_objective(organisation=world.org("a"), created_by=lead)

    page = signed_in(lead).get(f"/o/trust-a/objectives/{objective.pk}/").content.decode()

    assert objective.status == Status.AWAITING and objective.baseline_value is None
    assert "No results yet" in page


# --- History ------------------------------------------------------------------------------------
def test_a_change_is_kept_with_who_when_and_each_field_old_and_new(world, signed_in):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        domain = Domain.objects.get(instrument=core_instrument(), code="workload")
        objective = factories.survey_objective(organisation=world.org("a"), created_by=lead)
    client = signed_in(lead)

    response = client.post(f"/o/trust-a/objectives/{objective.pk}/edit/", {
        "title": "Most staff find their workload manageable", "owner": lead.pk, "rationale": "",
        "target_value": "65", "target_date": objective.target_date.isoformat(),
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        record = ChangeRecord.objects.filter(subject="objective", subject_id=objective.pk, kind="changed").get()
    assert record.user == lead
    assert {"field": "target_value", "old": "60", "new": "65"} in record.changes
    assert {"field": "title", "old": "More staff find their workload manageable",
            "new": "Most staff find their workload manageable"} in record.changes
    page = client.get(f"/o/trust-a/objectives/{objective.pk}/").content.decode()
    history = page.split('id="history"')[1]
    # A name such as O'Connor is O&#x27;Connor in the page.
    assert escape(str(lead)) in history and "Target" in history and "60" in history and "65" in history
    assert domain.name_in("en") in page


def test_a_lead_sets_objectives_through_the_form(world, signed_in):
    lead = world.user("a", "school_lead")
    client = signed_in(lead)
    with organisation_scope(world.org("a")):
        domain = Domain.objects.get(instrument=core_instrument(), code="work-life-balance")
    form = client.get("/o/trust-a/objectives/new/").content.decode()
    assert 'value="organisation"' not in form  # a school lead sets their school's objectives only

    series = client.post("/o/trust-a/objectives/new/", {
        "school": world.school("a").pk, "title": "Fewer staff leave", "owner": lead.pk, "metric_kind": "manual",
        "series": "turnover_pct", "baseline_value": "14.5", "baseline_date": "2026-09-01",
        "baseline_source": "HR leavers report", "target_value": "11", "target_date": "2028-07-31",
    })
    survey = client.post("/o/trust-a/objectives/new/", {
        "school": world.school("a").pk, "title": "Better work-life balance", "metric_kind": "survey",
        "measure": f"domain:{domain.pk}", "statistic": "pct_favourable", "target_value": "65",
        "target_date": "2028-07-31",
    })
    other_school = client.post("/o/trust-a/objectives/new/", {
        "school": world.school("a", 1).pk, "title": "Not mine", "metric_kind": "manual",
        "series": "turnover_pct", "baseline_value": "14.5", "baseline_date": "2026-09-01",
        "target_value": "11", "target_date": "2028-07-31",
    })

    assert series.status_code == 302 and survey.status_code == 302 and other_school.status_code == 400
    with organisation_scope(world.org("a")):
        turnover = Objective.objects.get(title="Fewer staff leave")
        balance = Objective.objects.get(title="Better work-life balance")
        assert not Objective.objects.filter(title="Not mine").exists()
    assert (turnover.baseline_value, turnover.higher_is_better, turnover.school_id) == (
        Decimal("14.5"), False, world.school("a").pk)
    assert (balance.measure_domain_id, balance.baseline_value, balance.status) == (domain.pk, None, Status.AWAITING)
    page = client.get(series["Location"]).content.decode()
    assert "14.5%" in page and "HR leavers report" in page


def test_the_pages_speak_welsh_and_french(world, signed_in, settings):
    client = signed_in(world.user("a", "organisation_lead"))

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    welsh = client.get("/o/trust-a/objectives/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get("/o/trust-a/plans/").content.decode()

    assert "Gosod amcan" in welsh and "Dim amcanion eto." in welsh
    assert "Créer un plan" in french and "Aucun plan pour l’instant." in french


def test_a_school_lead_cannot_see_or_change_another_schools_or_the_organisations_objectives(world, signed_in):
    org_lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        other = factories.manual_objective(organisation=world.org("a"), created_by=org_lead,
                                           school=world.school("a", 1), title="School 2 absence")
        trust = factories.manual_objective(organisation=world.org("a"), created_by=org_lead, title="Trust absence")
    client = signed_in(world.user("a", "school_lead"))  # lead of school 1

    for objective in (other, trust):
        assert client.get(f"/o/trust-a/objectives/{objective.pk}/").status_code == 404
        assert client.get(f"/o/trust-a/objectives/{objective.pk}/edit/").status_code == 404
        assert client.post(f"/o/trust-a/objectives/{objective.pk}/edit/", {
            "title": "Taken over", "target_value": "1", "target_date": "2027-07-31"}).status_code == 404
        assert client.post(f"/o/trust-a/objectives/{objective.pk}/readings/new/", {
            "date": "2026-10-01", "value": "1"}).status_code == 404
    listing = client.get("/o/trust-a/objectives/").content.decode()
    assert "School 2 absence" not in listing and "Trust absence" not in listing
    with organisation_scope(world.org("a")):
        assert set(Objective.objects.values_list("title", flat=True)) == {"School 2 absence", "Trust absence"}
        assert MetricReading.objects.count() == 2  # the two baselines, nothing added
