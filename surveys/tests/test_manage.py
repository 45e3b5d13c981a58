"""The leads' list of surveys: create a draft, open and close by hand, 404 for everyone else."""

import pytest
from django.urls import reverse

from surveys.models import Instrument, Survey
from surveys.services import instrument_load_builtin
from wellbeing.tenancy.context import organisation_scope

from .factories import make_survey

pytestmark = pytest.mark.django_db


def list_url(world, key="a"):
    return reverse("survey_manage:list", kwargs={"org": world.org(key).slug})


def test_an_organisation_lead_creates_a_draft_survey(world, signed_in):
    instrument_load_builtin()
    client = signed_in(world.user("a", "organisation_lead"))
    with organisation_scope(world.org("a")):
        instrument = Instrument.objects.get(code="staffwell-core", organisation__isnull=True)
    response = client.post(list_url(world), {
        "title": "Spring 2027", "instrument": instrument.pk, "schools": [world.school("a").pk],
        "opens_at": "2027-03-01T09:00", "closes_at": "2027-03-21T17:00",
    })
    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        survey = Survey.objects.get(title="Spring 2027")
    assert survey.status == Survey.Status.DRAFT


def test_a_survey_closing_before_it_opens_is_refused_and_nothing_is_stored(world, signed_in):
    instrument_load_builtin()
    client = signed_in(world.user("a", "organisation_lead"))
    with organisation_scope(world.org("a")):
        instrument = Instrument.objects.get(code="staffwell-core", organisation__isnull=True)
    response = client.post(list_url(world), {
        "title": "Backwards", "instrument": instrument.pk, "schools": [world.school("a").pk],
        "opens_at": "2027-03-21T09:00", "closes_at": "2027-03-01T17:00",
    })
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    with organisation_scope(world.org("a")):
        assert not Survey.objects.filter(title="Backwards").exists()


def test_a_lead_opens_and_closes_a_survey_by_hand(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"))
    client = signed_in(world.user("a", "organisation_lead"))
    client.post(reverse("survey_manage:open", kwargs={"org": "trust-a", "survey_id": survey.pk}))
    with organisation_scope(world.org("a")):
        assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN
    page = client.get(list_url(world)).content.decode()
    assert "Response rates" in page
    client.post(reverse("survey_manage:close", kwargs={"org": "trust-a", "survey_id": survey.pk}))
    with organisation_scope(world.org("a")):
        assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


@pytest.mark.parametrize("role", ["governor", "trustee", "partner", "staff", "organisation_admin"])
def test_other_roles_get_404(world, signed_in, role):
    assert signed_in(world.user("a", role)).get(list_url(world)).status_code == 404


def test_a_school_lead_reads_the_list_but_cannot_open_a_survey(world, signed_in):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"))
    client = signed_in(world.user("a", "school_lead"))
    page = client.get(list_url(world))
    assert page.status_code == 200 and "Create a survey" not in page.content.decode()
    response = client.post(reverse("survey_manage:open", kwargs={"org": "trust-a", "survey_id": survey.pk}))
    assert response.status_code == 404
