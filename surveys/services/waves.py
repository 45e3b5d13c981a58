"""Writing surveys (waves): create a draft, schedule, open and close it, issue invitations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Organisation, School, StaffMember
from wellbeing.tenancy.tokens import new_token, token_hash

from ..models import (
    DemographicQuestion,
    DemographicsFrozen,
    Draft,
    Instrument,
    Invitation,
    Survey,
    SurveyDemographicQuestion,
    SurveySchool,
)
from ..selectors import survey_school_ids, surveys_due

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def _check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"time_zone": _("Unknown time zone %(name)r.") % {"name": name}}) from error


def _check_fields(
    *, organisation: Organisation, instrument: Instrument, opens_at, closes_at, threshold: int,
    languages: Sequence[str], reminder_days: Sequence[int], previous_wave: Survey | None,
    survey: Survey | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if threshold < organisation.reporting_threshold:
        errors.setdefault("threshold", []).append(
            _("The minimum reporting group cannot be below your organisation's (%(k)d).")
            % {"k": organisation.reporting_threshold}
        )
    if opens_at >= closes_at:
        errors.setdefault("closes_at", []).append(_("The survey must close after it opens."))
    if not languages:
        errors.setdefault("languages", []).append(_("Choose at least one language."))
    missing = [code for code in languages if code not in instrument.languages]
    if missing:
        errors.setdefault("languages", []).append(
            _("This instrument has no text in %(languages)s.") % {"languages": ", ".join(missing)}
        )
    if any(not isinstance(day, int) or day < 1 for day in reminder_days) or len(set(reminder_days)) != len(reminder_days):
        errors.setdefault("reminder_days", []).append(
            _("Reminders are given as different whole numbers of days before the close, e.g. 7 and 2.")
        )
    if previous_wave is not None and survey is not None and previous_wave.pk == survey.pk:
        errors.setdefault("previous_wave", []).append(_("A survey cannot be its own previous wave."))
    if errors:
        raise ValidationError(errors)


def _set_schools(survey: Survey, schools: Iterable[School]) -> None:
    school_ids = {school.pk for school in schools}
    if not school_ids:
        raise ValidationError({"schools": _("Choose at least one school.")})
    # The scoped manager only knows this organisation's schools: another's id is simply unknown.
    if School.objects.filter(pk__in=school_ids).count() != len(school_ids):
        raise ValidationError({"schools": _("Choose schools of your organisation.")})
    SurveySchool.objects.filter(survey=survey).exclude(school_id__in=school_ids).delete()
    present = set(survey_school_ids(survey=survey))
    SurveySchool.objects.bulk_create(
        SurveySchool(organisation_id=survey.organisation_id, survey=survey, school_id=school_id)
        for school_id in sorted(school_ids - present)
    )


def survey_set_demographic_questions(*, survey: Survey, questions: Sequence[DemographicQuestion]) -> None:
    """Choose the demographic questions a survey asks, in order. Refused once the survey has
    opened: results cut by a question must mean the same for everyone who answered."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.demographics_frozen:
            raise DemographicsFrozen()
        visible = set(DemographicQuestion.objects.filter(pk__in=[q.pk for q in questions]).values_list("pk", flat=True))
        if len(visible) != len({q.pk for q in questions}):
            raise ValidationError({"demographic_questions": _("Unknown demographic question.")})
        SurveyDemographicQuestion.objects.filter(survey=survey).delete()
        SurveyDemographicQuestion.objects.bulk_create(
            SurveyDemographicQuestion(
                organisation_id=survey.organisation_id, survey=survey, question=question, order=order
            )
            for order, question in enumerate(questions)
        )


def survey_create(
    *, organisation: Organisation, instrument: Instrument, title: str, schools: Iterable[School],
    opens_at: datetime.datetime, closes_at: datetime.datetime, time_zone: str | None = None,
    threshold: int | None = None, demographic_questions: Sequence[DemographicQuestion] = (),
    languages: Sequence[str] | None = None, reminder_days: Sequence[int] = (),
    previous_wave: Survey | None = None,
) -> Survey:
    """A draft survey (wave). `threshold` defaults to, and may not be below, the organisation's
    minimum reporting group; `languages` default to every language of the instrument."""
    time_zone = time_zone or organisation.time_zone
    threshold = organisation.reporting_threshold if threshold is None else threshold
    languages = list(languages) if languages else list(instrument.languages)
    reminder_days = sorted(reminder_days, reverse=True)
    if not title or not title.strip():
        raise ValidationError({"title": _("Give the survey a title.")})
    _check_time_zone(time_zone)
    _check_fields(
        organisation=organisation, instrument=instrument, opens_at=opens_at, closes_at=closes_at,
        threshold=threshold, languages=languages, reminder_days=reminder_days, previous_wave=previous_wave,
    )
    with transaction.atomic():
        survey = Survey.objects.create(
            organisation=organisation, instrument=instrument, title=title.strip(), opens_at=opens_at,
            closes_at=closes_at, time_zone=time_zone, threshold=threshold, languages=languages,
            reminder_days=reminder_days, previous_wave=previous_wave,
        )
        _set_schools(survey, schools)
        survey_set_demographic_questions(survey=survey, questions=list(demographic_questions))
    return survey


def survey_schedule(*, survey: Survey, now: datetime.datetime | None = None) -> Survey:
    """Draft → scheduled: the survey will open by itself at `opens_at` (beat task)."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=survey.pk)
        if survey.status != Survey.Status.DRAFT:
            raise ValidationError(_("Only a draft survey can be scheduled."), code="not_draft")
        _check_ready(survey, now=now)
        survey.status = Survey.Status.SCHEDULED
        survey.save(update_fields=["status"])
    return survey


def _check_ready(survey: Survey, *, now: datetime.datetime) -> None:
    if not survey.instrument.is_published:
        raise ValidationError(_("Publish the instrument before the survey can run."), code="instrument_draft")
    if not survey_school_ids(survey=survey):
        raise ValidationError({"schools": _("Choose at least one school.")})
    if survey.closes_at <= now:
        raise ValidationError({"closes_at": _("The closing date has already passed.")})


def survey_open(*, survey: Survey, now: datetime.datetime | None = None) -> Survey:
    """Open a draft or scheduled survey now (by hand, or on schedule). Its demographic
    questions are frozen from here on."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=survey.pk)
        if survey.status not in (Survey.Status.DRAFT, Survey.Status.SCHEDULED):
            raise ValidationError(_("This survey has already opened."), code="already_open")
        _check_ready(survey, now=now)
        survey.status = Survey.Status.OPEN
        survey.opens_at = min(survey.opens_at, now)
        survey.save(update_fields=["status", "opens_at"])
    return survey


def survey_close(*, survey: Survey, now: datetime.datetime | None = None) -> Survey:
    """Close an open survey (by hand, or on schedule): no more answers, and every saved draft
    is deleted with it. Its final release is queued once the close has committed."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != Survey.Status.OPEN:
            raise ValidationError(_("Only an open survey can be closed."), code="not_open")
        survey.status = Survey.Status.CLOSED
        if now < survey.closes_at:
            survey.closes_at = max(now, survey.opens_at + datetime.timedelta(seconds=1))
        survey.save(update_fields=["status", "closes_at"])
        Draft.objects.filter(survey=survey).delete()
        # The final release is built in the background once the close has committed.
        from ..tasks import release_build_task

        organisation_id, survey_id = survey.organisation_id, survey.pk
        transaction.on_commit(lambda: release_build_task.delay(organisation_id, survey_id, "final"))
    return survey


def surveys_open_and_close_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open the scheduled surveys of the organisation in context whose time has come, close the
    open ones whose closing time has passed. Returns how many of each."""
    now = now or timezone.now()
    done = {"opened": 0, "closed": 0}
    for survey in surveys_due(now=now):
        if survey.status == Survey.Status.SCHEDULED and survey.closes_at > now:
            survey_open(survey=survey, now=now)
            done["opened"] += 1
        elif survey.status == Survey.Status.SCHEDULED:
            # Its whole window passed unnoticed (beat was down): it never ran, so it ends closed.
            Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
            done["closed"] += 1
        else:
            survey_close(survey=survey, now=now)
            done["closed"] += 1
    return done


def invitation_issue(
    *, survey: Survey, staff_member: StaffMember, today: datetime.date | None = None
) -> tuple[Invitation, str]:
    """A personal invitation for one person of an included school. Returns the invitation and
    the token for its link: the token itself is never stored (only its keyed hash), so it must
    go into the email at once."""
    if staff_member.school_id not in survey_school_ids(survey=survey):
        raise ValidationError(_("This person's school is not part of the survey."), code="school_not_included")
    if not staff_member.is_active:
        raise ValidationError(_("This person has left the organisation."), code="inactive")
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("This survey has closed."), code="closed")
    if Invitation.objects.filter(survey=survey, staff_member=staff_member).exists():
        raise ValidationError(_("This person has already been invited."), code="already_invited")
    token = new_token()
    invitation = Invitation.objects.create(
        organisation_id=survey.organisation_id, survey=survey, school_id=staff_member.school_id,
        staff_member=staff_member, token_hash=token_hash(token),
        sent_on=today or timezone.localdate(timezone=ZoneInfo(survey.time_zone)),
    )
    return invitation, token
