"""Building blocks for surveys tests: a published instrument, a survey, invitations.

Call these inside organisation_scope (the rows are tenant-owned), like the tenancy factories."""

from __future__ import annotations

import datetime

from django.utils import timezone

from surveys import services
from surveys.models import DemographicQuestion, Instrument, Item, Survey
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Organisation, School
from wellbeing.tenancy.tests.factories import StaffMemberFactory


def core_instrument() -> Instrument:
    """The built-in Staffwell core instrument (loaded if this test database lacks it)."""
    services.instrument_load_builtin()
    return Instrument.objects.get(organisation__isnull=True, code="staffwell-core", version=1)


def make_survey(
    *, organisation: Organisation, schools: list[School] | None = None, instrument: Instrument | None = None,
    opens_in: datetime.timedelta = datetime.timedelta(hours=-1),
    closes_in: datetime.timedelta = datetime.timedelta(days=14),
    demographics: tuple[str, ...] = ("job_category", "age_band"), open_it: bool = False, **fields,
) -> Survey:
    instrument = instrument or core_instrument()
    now = timezone.now()
    survey = services.survey_create(
        organisation=organisation,
        instrument=instrument,
        title=fields.pop("title", "Staff wellbeing survey"),
        schools=schools or list(School.objects.all()),
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        demographic_questions=[DemographicQuestion.objects.get(organisation__isnull=True, code=c) for c in demographics],
        **fields,
    )
    if open_it:
        survey = services.survey_open(survey=survey)
    return survey


def invite(survey: Survey, school: School, **staff_fields) -> tuple:
    """(invitation, token) for a new person on the roster of `school`."""
    staff_member = StaffMemberFactory(school=school, **staff_fields)
    return services.invitation_issue(survey=survey, staff_member=staff_member)


def full_answers(survey: Survey, value: int = 4) -> dict[str, int]:
    with organisation_scope(survey.organisation_id):
        return {item.code: value for item in Item.objects.filter(instrument_id=survey.instrument_id)}
