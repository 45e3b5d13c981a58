"""Survey waves: thresholds, frozen demographics, and opening and closing on schedule."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import services
from surveys.models import (
    DemographicQuestion,
    DemographicsFrozen,
    Draft,
    Survey,
    SurveyDemographicQuestion,
)
from surveys.tasks import open_and_close_due_surveys
from surveys.tests.factories import core_instrument, invite, make_survey
from wellbeing.tenancy.context import NoOrganisationInContext, organisation_scope

HOUR = datetime.timedelta(hours=1)


def question(code):
    return DemographicQuestion.objects.get(organisation__isnull=True, code=code)


def test_a_threshold_below_the_organisations_is_refused_and_nothing_is_created(world):
    organisation = world.org("a")
    organisation.reporting_threshold = 7
    organisation.save()
    with organisation_scope(organisation):
        with pytest.raises(ValidationError) as error:
            make_survey(organisation=organisation, threshold=6)
        assert "threshold" in error.value.message_dict
        assert "(7)" in error.value.message_dict["threshold"][0]
        assert not Survey.objects.exists()
        assert make_survey(organisation=organisation).threshold == 7  # the default is the organisation's
        assert make_survey(organisation=organisation, threshold=10).threshold == 10


def test_bad_survey_settings_are_named(world):
    with organisation_scope(world.org("a")):
        with pytest.raises(ValidationError) as error:
            make_survey(
                organisation=world.org("a"), opens_in=HOUR, closes_in=-HOUR, languages=["en", "de"],
                reminder_days=[3, 3],
            )
        assert set(error.value.message_dict) == {"closes_at", "languages", "reminder_days"}
        with pytest.raises(ValidationError, match="time zone"):
            make_survey(organisation=world.org("a"), time_zone="Mars/Olympus_Mons")
    with organisation_scope(world.org("b")):
        b_school = world.school("b")
    with organisation_scope(world.org("a")), pytest.raises(ValidationError) as error:
        make_survey(organisation=world.org("a"), schools=[world.school("a"), b_school])
    assert "schools" in error.value.message_dict


def test_demographic_questions_are_frozen_once_the_survey_opens(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), opens_in=HOUR)
        services.survey_schedule(survey=survey)
        # Still changeable while scheduled.
        services.survey_set_demographic_questions(survey=survey, questions=[question("gender"), question("contract")])
        services.survey_open(survey=survey)

        with pytest.raises(DemographicsFrozen):
            services.survey_set_demographic_questions(survey=survey, questions=[question("ethnicity")])
        with pytest.raises(DemographicsFrozen):
            SurveyDemographicQuestion.objects.create(survey=survey, question=question("ethnicity"), order=9)
        with pytest.raises(DemographicsFrozen):
            SurveyDemographicQuestion.objects.filter(survey=survey).first().delete()
        codes = list(
            SurveyDemographicQuestion.objects.filter(survey=survey).order_by("order").values_list("question__code", flat=True)
        )
        assert codes == ["gender", "contract"]


def test_a_survey_runs_only_a_published_instrument(world):
    with organisation_scope(world.org("a")):
        draft_instrument = services.instrument_new_version(organisation=world.org("a"), source=core_instrument())
        survey = make_survey(organisation=world.org("a"), instrument=draft_instrument)
        with pytest.raises(ValidationError, match="Publish the instrument"):
            services.survey_schedule(survey=survey)
        with pytest.raises(ValidationError, match="Only an open survey"):
            services.survey_close(survey=survey)
        assert Survey.objects.get(pk=survey.pk).status == Survey.Status.DRAFT


def test_invitations_go_only_to_staff_of_included_schools(world):
    from wellbeing.tenancy.tests.factories import StaffMemberFactory

    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"), schools=[world.school("a")], open_it=True)
        invitation, token = invite(survey, world.school("a"))
        assert len(token) >= 22 and token not in invitation.token_hash
        outsider = StaffMemberFactory(school=world.school("a", 1))
        with pytest.raises(ValidationError, match="not part of the survey"):
            services.invitation_issue(survey=survey, staff_member=outsider)


def due_surveys(world):
    """In A: one scheduled survey due to open, one open survey due to close (with a draft).
    In B: one due to open, one scheduled for tomorrow."""
    now = timezone.now()
    surveys = {}
    with organisation_scope(world.org("a")):
        surveys["a_opens"] = make_survey(organisation=world.org("a"), opens_in=HOUR)
        services.survey_schedule(survey=surveys["a_opens"])
        Survey.objects.filter(pk=surveys["a_opens"].pk).update(opens_at=now - datetime.timedelta(minutes=1))
        surveys["a_closes"] = make_survey(organisation=world.org("a"), open_it=True)
        _invitation, token = invite(surveys["a_closes"], world.school("a"))
    services.draft_save(token=token, answers={"workload-1": 3})
    with organisation_scope(world.org("a")):
        Survey.objects.filter(pk=surveys["a_closes"].pk).update(closes_at=now - datetime.timedelta(minutes=1))
    with organisation_scope(world.org("b")):
        surveys["b_opens"] = make_survey(organisation=world.org("b"), opens_in=HOUR)
        services.survey_schedule(survey=surveys["b_opens"])
        Survey.objects.filter(pk=surveys["b_opens"].pk).update(opens_at=now - datetime.timedelta(minutes=1))
        surveys["b_later"] = make_survey(organisation=world.org("b"), opens_in=datetime.timedelta(days=1))
        services.survey_schedule(survey=surveys["b_later"])
    return surveys


def statuses(world, surveys):
    found = {}
    for key in ("a", "b"):
        with organisation_scope(world.org(key)):
            found.update({
                name: Survey.objects.get(pk=survey.pk).status for name, survey in surveys.items() if name.startswith(key)
            })
    return found


def test_the_beat_task_opens_and_closes_due_surveys_in_every_organisation(world):
    surveys = due_surveys(world)

    assert open_and_close_due_surveys() == {"opened": 2, "closed": 1, "failed": 0}

    assert statuses(world, surveys) == {
        "a_opens": "open", "a_closes": "closed", "b_opens": "open", "b_later": "scheduled",
    }
    with organisation_scope(world.org("a")):
        assert not Draft.objects.exists()  # drafts expire with the survey
    assert open_and_close_due_surveys() == {"opened": 0, "closed": 0, "failed": 0}  # nothing left to do


@pytest.mark.celery
def test_the_beat_task_runs_on_the_real_worker(world, celery_worker):
    surveys = due_surveys(world)

    result = open_and_close_due_surveys.delay().get(timeout=30)

    assert result == {"opened": 2, "closed": 1, "failed": 0}
    assert statuses(world, surveys) == {
        "a_opens": "open", "a_closes": "closed", "b_opens": "open", "b_later": "scheduled",
    }


def test_the_beat_schedule_names_a_registered_task():
    from wellbeing.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["surveys-open-and-close-due"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 300  # a survey opens within minutes of its time


def test_organisation_b_cannot_see_organisation_as_surveys(world):
    with organisation_scope(world.org("a")):
        survey = make_survey(organisation=world.org("a"))
    with organisation_scope(world.org("b")):
        assert not Survey.objects.filter(pk=survey.pk).exists()
        assert Survey.objects.count() == 0
    with pytest.raises(NoOrganisationInContext):
        Survey.objects.count()
