"""Workload impact assessments (register, who reads them) and the API for objectives, actions
and progress updates."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from actionplans import services
from actionplans.models import ProgressUpdate, WorkloadAssessment
from actionplans.tests import factories
from wellbeing.tenancy.context import organisation_scope


# --- Workload impact assessments ---------------------------------------------------------------
def test_a_lead_records_an_assessment_and_governors_and_trustees_read_the_register(world, signed_in):
    lead = signed_in(world.user("a", "school_lead"))

    response = lead.post("/o/trust-a/workload/new/", {
        "school": world.school("a").pk, "title": "New behaviour logging procedure",
        "affects": "Class teachers and teaching assistants", "minutes_teacher": "20",
        "minutes_teaching_assistant": "-10", "mitigations": "Logging moves into the register app.",
        "decision": "changed", "decision_date": timezone.localdate().isoformat(),
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        assessment = WorkloadAssessment.objects.get()
        minutes = dict(assessment.impacts.values_list("job_category", "minutes_per_week"))
    assert minutes == {"teacher": 20, "teaching_assistant": -10}
    for reader in ("governor", "trustee"):
        page = signed_in(world.user("a", reader)).get("/o/trust-a/workload/").content.decode()
        assert "New behaviour logging procedure" in page and "+20 min" in page and "−10 min" in page
        assert signed_in(world.user("a", reader)).get(
            f"/o/trust-a/workload/{assessment.pk}/edit/").status_code == 404
    assert signed_in(world.user("a", "staff")).get("/o/trust-a/workload/").status_code == 404


def test_a_decision_needs_its_date_and_nothing_is_saved_without_it(world, signed_in):
    lead = signed_in(world.user("a", "organisation_lead"))

    response = lead.post("/o/trust-a/workload/new/", {
        "school": "organisation", "title": "Email charter", "affects": "Everyone", "decision": "approved",
    })

    assert response.status_code == 400
    assert "Enter the date of the decision." in response.content.decode()
    with organisation_scope(world.org("a")):
        assert not WorkloadAssessment.objects.exists()


def test_another_schools_governor_does_not_see_a_schools_assessment(world, signed_in):
    with organisation_scope(world.org("a")):
        assessment = services.assessment_create(
            organisation=world.org("a"), school=world.school("a", 1), title="School 2 duty rota",
            affects="Support staff", minutes={"support": 15}, assessed_by=world.user("a", "organisation_lead"))
        services.assessment_create(
            organisation=world.org("a"), title="Trust email charter", affects="Everyone", minutes={"teacher": -30},
            assessed_by=world.user("a", "organisation_lead"))
    governor = signed_in(world.user("a", "governor"))  # governor of school 1

    page = governor.get("/o/trust-a/workload/").content.decode()

    assert "Trust email charter" in page and "School 2 duty rota" not in page
    assert governor.get(f"/o/trust-a/workload/{assessment.pk}/").status_code == 404


# --- API --------------------------------------------------------------------------------------
@pytest.fixture
def trust_b_rows(world):
    lead = world.user("b", "organisation_lead")
    with organisation_scope(world.org("b")):
        objective = factories.manual_objective(organisation=world.org("b"), created_by=lead, title="B objective")
        plan = factories.plan(organisation=world.org("b"), created_by=lead)
        action = factories.action(plan=plan, created_by=lead, title="B action")
        update = services.progress_update_add(action=action, date=timezone.localdate(), note="B note", author=lead)
    return {"objectives": objective.pk, "actions": action.pk, "action-updates": update.pk}


def test_the_api_answers_404_for_organisation_bs_rows(world, signed_in, trust_b_rows):
    client = signed_in(world.user("a", "organisation_lead"))

    for route, pk in trust_b_rows.items():
        assert client.get(f"/o/trust-a/api/{route}/{pk}/").status_code == 404
        assert client.get(f"/o/trust-b/api/{route}/{pk}/").status_code == 404
        listed = client.get(f"/o/trust-a/api/{route}/").json()["results"]
        assert pk not in [row["id"] for row in listed]


def test_the_api_lists_a_school_leads_own_school_and_takes_an_update(world, signed_in):
    org_lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        own = factories.plan(organisation=world.org("a"), created_by=org_lead, school=world.school("a", 0))
        other = factories.plan(organisation=world.org("a"), created_by=org_lead, school=world.school("a", 1))
        own_action = factories.action(plan=own, created_by=org_lead, title="Own")
        other_action = factories.action(plan=other, created_by=org_lead, title="Other")
        objective = factories.manual_objective(organisation=world.org("a"), created_by=org_lead,
                                               school=world.school("a", 0))
    client = signed_in(world.user("a", "school_lead"))

    actions = client.get("/o/trust-a/api/actions/").json()["results"]
    assert [row["title"] for row in actions] == ["Own"]
    detail = client.get(f"/o/trust-a/api/objectives/{objective.pk}/").json()
    assert (detail["status"], detail["unit"], len(detail["readings"])) == ("awaiting", "days per FTE", 1)

    created = client.post("/o/trust-a/api/action-updates/", {
        "action": own_action.pk, "date": timezone.localdate().isoformat(), "note": "Forum held",
        "status": "in_progress"}, content_type="application/json")
    refused = client.post("/o/trust-a/api/action-updates/", {
        "action": other_action.pk, "date": timezone.localdate().isoformat(), "note": "Not mine"},
        content_type="application/json")
    future = client.post("/o/trust-a/api/action-updates/", {
        "action": own_action.pk, "date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "note": "Tomorrow's news"}, content_type="application/json")

    assert created.status_code == 201 and created.json()["note"] == "Forum held"
    assert refused.status_code == 404
    assert future.status_code == 400 and "date" in future.json()
    with organisation_scope(world.org("a")):
        assert list(ProgressUpdate.objects.values_list("note", flat=True)) == ["Forum held"]
    assert client.get("/o/trust-a/api/actions/").json()["results"][0]["status"] == "in_progress"


def test_the_schema_documents_objectives_actions_and_updates(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--file", str(out), "--format", "openapi-json", "--validate")
    schema = json.loads(out.read_text())
    paths = schema["paths"]
    for route in ("objectives", "actions", "action-updates"):
        assert f"/o/{{org}}/api/{route}/" in paths
    assert "post" in paths["/o/{org}/api/action-updates/"]
    assert "ObjectiveStatusEnum" in schema["components"]["schemas"]
