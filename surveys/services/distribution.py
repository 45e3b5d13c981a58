"""Getting the survey to staff: personal invitations by email, reminders, shared school links.

A personal link's token exists only for the moment it is emailed: it is made, hashed, stored as
the hash and written into the email inside one transaction of the worker that sends it. It
never travels through the task queue, a log or the database. Hence:
* `survey_invite` only chooses who is still to be invited and queues them in batches; the
  worker's `invitation_send` makes each invitation and its email together, one transaction per
  person, so a crash half-way through a batch loses nobody and invites nobody twice;
* a reminder must carry a working link too, but the first token is gone: `reminder_send` makes a
  new one, replaces the hash (the earlier link stops working, and the email says so) and moves
  any saved draft from the old hash to the new one.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import math
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Organisation, School, StaffMember
from wellbeing.tenancy.tokens import new_token, token_hash

from ..models import CommentQuestion, Draft, Invitation, Item, SchoolLink, Survey
from ..selectors import survey_school_ids
from .waves import invitation_issue

SEND_BATCH = 100
# Reminders go out from this local hour on their day, not in the middle of the night.
REMINDER_HOUR = 9


def survey_link_url(token: str) -> str:
    """The full address of a survey link, as emailed or printed: the token sits in the path."""
    return settings.SITE_URL.rstrip("/") + reverse("take:enter", kwargs={"token": token})


def survey_minutes(*, survey: Survey) -> int:
    """About how long the survey takes: ten seconds an item, a minute a comment question."""
    items = Item.objects.filter(instrument_id=survey.instrument_id).count()
    comments = CommentQuestion.objects.filter(instrument_id=survey.instrument_id).count()
    return max(2, math.ceil((items * 10 + comments * 60) / 60))


def email_language(*, survey: Survey, organisation: Organisation) -> str:
    """Emails speak the organisation's language where the survey is offered in it (the roster
    records no language per person)."""
    if organisation.default_language in survey.languages:
        return organisation.default_language
    return survey.languages[0] if survey.languages else settings.LANGUAGE_CODE


def _local_today(survey: Survey, now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now or timezone.now(), timezone=ZoneInfo(survey.time_zone))


def _survey_email(*, survey: Survey, staff_member: StaffMember, token: str, reminder: bool) -> EmailMessage:
    organisation = Organisation.objects.get(pk=survey.organisation_id)
    with translation.override(email_language(survey=survey, organisation=organisation)):
        context = {
            "survey": survey,
            "organisation": organisation,
            "url": survey_link_url(token),
            "minutes": survey_minutes(survey=survey),
            "closes_on": timezone.localtime(survey.closes_at, ZoneInfo(survey.time_zone)),
            "opens_on": timezone.localtime(survey.opens_at, ZoneInfo(survey.time_zone)),
            "is_open": survey.status == Survey.Status.OPEN,
            "reminder": reminder,
        }
        subject = " ".join(render_to_string("surveys/email/invitation_subject.txt", context).split())
        body = render_to_string("surveys/email/invitation_message.txt", context)
    return EmailMessage(subject, body, None, [staff_member.email])


def survey_invite(*, survey: Survey) -> list[int]:
    """Queue an invitation email for every active person on the roster of the survey's schools
    who has none yet; returns their roster ids. Running it again invites only people added since
    (new joiners), so the schedule calls it while the survey is open. Refused for a draft or
    closed survey."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status not in (Survey.Status.SCHEDULED, Survey.Status.OPEN):
            raise ValidationError(
                _("Invitations can be sent for a scheduled or open survey only."), code="not_ready"
            )
        staff_ids = list(
            StaffMember.objects.filter(school_id__in=survey_school_ids(survey=survey), is_active=True)
            .exclude(pk__in=Invitation.objects.filter(survey=survey).values("staff_member_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        from ..tasks import invitations_send_task

        for start in range(0, len(staff_ids), SEND_BATCH):
            batch = staff_ids[start : start + SEND_BATCH]
            transaction.on_commit(
                lambda batch=batch: invitations_send_task.delay(survey.organisation_id, survey.pk, batch)
            )
    return staff_ids


def invitation_send(*, survey: Survey, staff_member: StaffMember) -> Invitation | None:
    """Invite one person: the invitation (its token's hash only) and the email with the link, in
    one transaction; None when there is nobody to invite any more (invited meanwhile, left, or
    the survey closed). An email that cannot be sent raises, and nothing is kept."""
    with transaction.atomic():
        survey = Survey.objects.get(pk=survey.pk)
        if survey.status not in (Survey.Status.SCHEDULED, Survey.Status.OPEN):
            return None
        try:
            invitation, token = invitation_issue(
                survey=survey, staff_member=staff_member, today=_local_today(survey)
            )
        except ValidationError:
            return None
        _survey_email(survey=survey, staff_member=staff_member, token=token, reminder=False).send()
    return invitation


def _reminder_due_on(survey: Survey, today: datetime.date) -> datetime.date | None:
    """The latest reminder day of the survey on or before `today` (None before the first)."""
    closes_on = _local_today(survey, survey.closes_at)
    due = [closes_on - datetime.timedelta(days=days) for days in survey.reminder_days]
    due = [day for day in due if day <= today]
    return max(due) if due else None


def _reminders_due(survey: Survey, today: datetime.date):
    due_on = _reminder_due_on(survey, today)
    if due_on is None:
        return Invitation.objects.none()
    # Not those invited on or after the reminder day, and nobody twice for the same reminder.
    return Invitation.objects.filter(
        survey=survey, status=Invitation.Status.SENT, sent_on__lt=due_on
    ).filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=due_on))


def survey_remind(*, survey: Survey, now: datetime.datetime | None = None) -> list[int]:
    """Queue a reminder for every invitation of an open survey that has not been answered and
    whose reminder day (survey.reminder_days before the close, from 09:00 in the survey's time
    zone) has come; returns their invitation ids. Nobody who has responded is reminded, and
    nobody twice for one reminder day, so the schedule may call it as often as it likes."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        local = timezone.localtime(now, ZoneInfo(survey.time_zone))
        if survey.status != Survey.Status.OPEN or now >= survey.closes_at or local.hour < REMINDER_HOUR:
            return []
        ids = list(_reminders_due(survey, local.date()).order_by("pk").values_list("pk", flat=True))
        from ..tasks import reminders_send_task

        for start in range(0, len(ids), SEND_BATCH):
            batch = ids[start : start + SEND_BATCH]
            transaction.on_commit(
                lambda batch=batch: reminders_send_task.delay(survey.organisation_id, survey.pk, batch)
            )
    return ids


def reminder_send(*, invitation_id: int, today: datetime.date | None = None) -> Invitation | None:
    """Remind one person who has not answered: a new link replaces the old one (whose hash is
    all we kept), a saved draft moves to the new link, and the email says that earlier links no
    longer work. None when no reminder is due any more (answered meanwhile, already reminded,
    survey closed). One transaction; an email that cannot be sent raises and changes nothing."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None:
            return None
        survey = Survey.objects.get(pk=invitation.survey_id)
        today = today or _local_today(survey)
        if survey.status != Survey.Status.OPEN or timezone.now() >= survey.closes_at:
            return None
        if not _reminders_due(survey, today).filter(pk=invitation.pk).exists():
            return None
        staff_member = StaffMember.objects.get(pk=invitation.staff_member_id)
        token = new_token()
        old_hash, invitation.token_hash = invitation.token_hash, token_hash(token)
        invitation.reminded_on = today
        invitation.save(update_fields=["token_hash", "reminded_on"])
        Draft.objects.filter(token_hash=old_hash).update(token_hash=invitation.token_hash)
        _survey_email(survey=survey, staff_member=staff_member, token=token, reminder=True).send()
    return invitation


# --- Shared school links ------------------------------------------------------------------------
def school_link_token(*, link: SchoolLink) -> str:
    """The link's token, derived again from its seed (see models/links.py): 128 bits."""
    digest = hmac.new(settings.TOKEN_HASH_KEY.encode(), f"school-link:{link.seed}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).rstrip(b"=").decode()


def school_link_rotate(*, survey: Survey, school: School) -> SchoolLink:
    """Make the shared link of `school` in `survey`, or replace it: a new seed, so every poster
    printed before stops working (a link that was passed around too widely). Refused for a
    school not in the survey and for a closed survey."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if school.pk not in survey_school_ids(survey=survey):
            raise ValidationError(_("This school is not part of the survey."), code="school_not_included")
        if survey.status == Survey.Status.CLOSED:
            raise ValidationError(_("This survey has closed."), code="closed")
        today = _local_today(survey)
        link = SchoolLink.objects.select_for_update().filter(survey=survey, school=school).first()
        if link is None:
            link = SchoolLink(organisation_id=survey.organisation_id, survey=survey, school=school, created_on=today)
        else:
            link.rotated_on = today
        link.seed = new_token(nbytes=32)
        link.token_hash = token_hash(school_link_token(link=link))
        link.save()
    return link
