"""The leads' API for instruments and surveys, and its OpenAPI schema."""

import datetime
import json

from django.core.management import call_command
from django.utils import timezone

from surveys.models import Survey
from surveys.tests.factories import core_instrument, make_survey
from surveys.tests.test_instruments import import_hse
from wellbeing.tenancy.context import organisation_scope


def api(org_key, path=""):
    return f"/o/trust-{org_key}/api/{path}"


def survey_payload(world, **overrides):
    now = timezone.now()
    with organisation_scope(world.org("a")):
        core = core_instrument()
    payload = {
        "title": "Autumn 2026 staff survey",
        "instrument": core.pk,
        "schools": [world.school("a").pk, world.school("a", 1).pk],
        "opens_at": (now + datetime.timedelta(days=7)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=21)).isoformat(),
        "demographic_questions": ["job_category", "length_of_service"],
        "languages": ["en", "cy"],
        "reminder_days": [2, 7],
    }
    payload.update(overrides)
    return payload


def test_a_lead_lists_built_in_and_own_instruments_but_not_another_organisations(world, signed_in):
    with organisation_scope(world.org("a")):
        core = core_instrument()
        a_own = import_hse(world.org("a"))
    with organisation_scope(world.org("b")):
        b_own = import_hse(world.org("b"))
    client = signed_in(world.user("a", "organisation_lead"))

    listed = client.get(api("a", "instruments/")).json()["results"]

    assert {row["id"] for row in listed} == {core.pk, a_own.pk}
    assert b_own.pk not in {row["id"] for row in listed}
    assert client.get(api("a", f"instruments/{b_own.pk}/")).status_code == 404
    detail = client.get(api("a", f"instruments/{core.pk}/")).json()
    assert (detail["is_builtin"], detail["status"], detail["item_count"]) == (True, "published", 48)
    assert len(detail["items"]) == 48 and len(detail["comment_questions"]) == 2
    assert detail["items"][0]["text"]["cy"]


def test_a_lead_creates_a_draft_survey(world, signed_in):
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.post(api("a", "surveys/"), survey_payload(world), content_type="application/json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft"
    assert created["threshold"] == world.org("a").reporting_threshold
    assert created["demographic_questions"] == ["job_category", "length_of_service"]
    assert created["reminder_days"] == [7, 2]
    with organisation_scope(world.org("a")):
        survey = Survey.objects.get(pk=created["id"])
        assert survey.title == "Autumn 2026 staff survey"
    listed = client.get(api("a", "surveys/")).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]


def test_a_survey_below_the_threshold_or_with_another_organisations_school_is_refused(world, signed_in):
    client = signed_in(world.user("a", "organisation_lead"))
    with organisation_scope(world.org("b")):
        b_school = world.school("b").pk

    low = client.post(api("a", "surveys/"), survey_payload(world, threshold=4), content_type="application/json")
    foreign = client.post(api("a", "surveys/"), survey_payload(world, schools=[b_school]), content_type="application/json")

    assert low.status_code == 400 and "threshold" in low.json()
    assert foreign.status_code == 400 and "schools" in foreign.json()
    with organisation_scope(world.org("a")):
        assert not Survey.objects.exists()


def test_another_organisation_gets_404_for_a_survey(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"))
    client = signed_in(world.user("b", "organisation_lead"))

    assert client.get(api("b", f"surveys/{survey.pk}/")).status_code == 404
    assert client.get(api("a", f"surveys/{survey.pk}/")).status_code == 404
    assert client.get(api("a", "surveys/")).status_code == 404
    assert client.get(api("b", "surveys/")).json()["results"] == []


def test_school_leads_read_their_schools_surveys_and_others_get_404(world, signed_in):
    with organisation_scope(world.org("a")):
        theirs = make_survey(organisation=world.org("a"), schools=[world.school("a")], title="Theirs")
        make_survey(organisation=world.org("a"), schools=[world.school("a", 1)], title="Not theirs")
    client = signed_in(world.user("a", "school_lead"))

    assert [row["id"] for row in client.get(api("a", "surveys/")).json()["results"]] == [theirs.pk]
    assert client.post(api("a", "surveys/"), survey_payload(world), content_type="application/json").status_code == 404

    for role in ("staff", "governor", "partner"):
        client = signed_in(world.user("a", role))
        assert client.get(api("a", "surveys/")).status_code == 404, role
        assert client.get(api("a", "instruments/")).status_code == 404, role


def test_the_openapi_schema_documents_the_survey_api_and_validates(world, signed_in, tmp_path):
    client = signed_in(world.user("a", "organisation_lead"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert {"/o/{org}/api/surveys/", "/o/{org}/api/surveys/{id}/", "/o/{org}/api/instruments/{id}/"} <= set(paths)
    assert "post" in paths["/o/{org}/api/surveys/"]

    # drf-spectacular's own validation against the OpenAPI 3 meta-schema; any warning fails.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
