"""Every write a person (or the schedule) can cause in board reports.

Rendering runs in a Celery worker of its own queue ("reports"): `report_request` records a
queued version and hands it to the worker once the request commits; `report_render` composes,
renders and stores it in short transactions, so the page can show its progress.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.models import Release, Survey
from surveys.results import release_current, release_latest
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Organisation, School

from . import compose, permissions, render
from .models import DEFAULT_DAYS_BEFORE, BoardMeeting, BoardReport

logger = logging.getLogger(__name__)

ERROR_LIMIT = 2000
VERSION_LOCK = 0x5245  # advisory lock namespace of report versions ("RE")


# --- meetings ---------------------------------------------------------------------------------
def meeting_create(
    *, organisation: Organisation, school: School | None, title: str, date: datetime.date,
    days_before: int = DEFAULT_DAYS_BEFORE, created_by=None,
) -> BoardMeeting:
    """Add a board meeting to the calendar: the trust board's (`school` None) or a school's
    governing board's. Its report is prepared `days_before` days before the date."""
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Enter the meeting's title.")
    if date is None:
        errors["date"] = _("Enter the meeting's date.")
    if days_before is None or not 0 <= days_before <= 120:
        errors["days_before"] = _("Enter a number of days between 0 and 120.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return BoardMeeting.objects.create(
            organisation=organisation, school=school, title=title, date=date, days_before=days_before,
            created_by=created_by,
        )


# --- reports ----------------------------------------------------------------------------------
def _release_for(survey: Survey | None) -> Release:
    release = release_current(survey=survey) if survey is not None else release_latest()
    if release is None:
        raise ValidationError(
            _("There are no published survey results to report on yet."), code="no_release")
    return release


def report_request(
    *, organisation: Organisation, school: School | None, survey: Survey | None = None,
    meeting: BoardMeeting | None = None, requested_by=None,
) -> BoardReport:
    """Queue a new version of the report for `school` (None: the trust board) on the survey's
    published results (the latest survey's when none is named). The report is prepared in the
    background once the caller's transaction commits. Raises ValidationError when there are no
    published results, or the meeting is for another board."""
    if meeting is not None and meeting.school_id != (school.pk if school else None):
        raise ValidationError(_("This meeting is for another board."), code="wrong_meeting")
    release = _release_for(survey)
    with transaction.atomic():
        # One version number at a time per organisation (even for a board's very first report).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [VERSION_LOCK, organisation.pk % 2**31])
        version = (BoardReport.objects.filter(school=school).aggregate(last=Max("version"))["last"] or 0) + 1
        report = BoardReport.objects.create(
            organisation=organisation, school=school, survey=release.survey, release=release, meeting=meeting,
            version=version, created_by=requested_by, language=organisation.default_language or "en",
        )
        _queue(report)
    return report


def _queue(report: BoardReport) -> None:
    from .tasks import report_render_task

    organisation_id, report_id = report.organisation_id, report.pk
    transaction.on_commit(lambda: report_render_task.delay(organisation_id, report_id))


def report_retry(*, report: BoardReport) -> BoardReport:
    """Try a failed report again (same version, same scope and results)."""
    if report.status != BoardReport.Status.FAILED:
        raise ValidationError(_("Only a report that could not be prepared can be tried again."), code="not_failed")
    with transaction.atomic():
        BoardReport.objects.filter(pk=report.pk, status=BoardReport.Status.FAILED).update(
            status=BoardReport.Status.QUEUED, progress=0, stage="", error="")
        report.refresh_from_db()
        _queue(report)
    return report


def _set(report_id: int, **fields) -> None:
    BoardReport.objects.filter(pk=report_id).exclude(status=BoardReport.Status.READY).update(**fields)


def report_render(*, organisation_id: int, report_id: int) -> BoardReport | None:
    """Compose, render and store one queued report; on failure record why (it can be retried).
    Runs outside any transaction: each step commits, so the page shows the progress. Running
    again after a lost worker starts the report over; a ready report is left as it is."""
    with organisation_scope(organisation_id):
        report = BoardReport.objects.select_related("organisation", "school", "release__survey", "meeting").filter(
            pk=report_id).first()
        if report is None or report.is_ready:
            return report
        _set(report_id, status=BoardReport.Status.RENDERING, progress=5, stage="starting", error="",
             attempts=report.attempts + 1)
    started = time.perf_counter()
    try:
        def progress(stage: str, percent: int) -> None:
            with organisation_scope(organisation_id):
                _set(report_id, stage=stage, progress=percent)

        with organisation_scope(organisation_id), translation.override(report.language or "en"):
            data = compose.compose(
                organisation=report.organisation, school=report.school, release=report.release,
                meeting=report.meeting, since=_previous_report_date(report), version=report.version,
                progress=progress, language=report.language or "en", today=timezone.localdate(),
            )
        progress("html", 70)
        html = render.render_html(data)
        progress("pdf", 75)
        rendered = render.render_pdf(html)
        with organisation_scope(organisation_id):
            report = BoardReport.objects.get(pk=report_id)
            report.data = data
            report.html = html
            report.pdf = rendered.pdf
            report.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
            report.pages = rendered.pages
            report.status = BoardReport.Status.READY
            report.progress = 100
            report.stage = "ready"
            report.render_seconds = time.perf_counter() - started
            report.ready_at = timezone.now()
            report.save()
    except Exception as error:  # the page says why; the lead may try again
        logger.exception("Board report %s could not be rendered", report_id)
        with organisation_scope(organisation_id):
            _set(report_id, status=BoardReport.Status.FAILED, error=f"{type(error).__name__}: {error}"[:ERROR_LIMIT])
            return BoardReport.objects.filter(pk=report_id).first()
    if report.meeting_id:
        try:
            with organisation_scope(organisation_id):
                report_notify(report=report)
        except Exception:  # the report is ready either way; the email is tried by the next run
            logger.exception("Board report %s is ready but its email could not be sent", report_id)
    return report


def _previous_report_date(report: BoardReport) -> datetime.date | None:
    previous = (
        BoardReport.objects.filter(school=report.school_id, status=BoardReport.Status.READY, version__lt=report.version)
        .order_by("-version").first()
    )
    return timezone.localdate(previous.ready_at) if previous and previous.ready_at else None


def report_notify(*, report: BoardReport) -> int:
    """Email the board's readers (governors of the school, or the trustees) a link to the ready
    report of their meeting; once per report. Returns how many were emailed."""
    if not report.is_ready or report.notified_at is not None or report.meeting_id is None:
        return 0
    recipients = sorted(set(
        Membership.objects.filter(
            is_active=True, user__is_active=True, role__in=permissions.reader_roles(report.school_id),
            **({"school_id": report.school_id} if report.school_id else {}),
        ).values_list("user__email", flat=True)
    ))
    if not recipients:
        return 0
    organisation = report.organisation
    with translation.override(report.language or organisation.default_language or "en"):
        path = reverse("reports:report", kwargs={"org": organisation.slug, "report_id": report.pk})
        context = {"report": report, "meeting": report.meeting, "organisation": organisation,
                   "scope": report.school.name if report.school_id else organisation.name,
                   "url": settings.SITE_URL.rstrip("/") + path}
        subject = " ".join(render_to_string("reports/email/ready_subject.txt", context).split())
        body = render_to_string("reports/email/ready_message.txt", context)
    send_mail(subject, body, None, recipients)
    BoardReport.objects.filter(pk=report.pk).update(notified_at=timezone.now())
    return len(recipients)


# --- schedule ---------------------------------------------------------------------------------
def reports_request_due(*, organisation: Organisation, today: datetime.date | None = None) -> int:
    """Queue the report of every meeting whose preparation day has come (the meeting's date less
    its `days_before`) and that has not had its scheduled report yet. Meetings already past are
    left alone. Returns how many reports were queued."""
    today = today or timezone.localdate()
    queued = 0
    meetings = BoardMeeting.objects.filter(date__gte=today, scheduled_report_requested_on__isnull=True).select_related(
        "school").order_by("date", "pk")
    for meeting in meetings:
        if meeting.date - datetime.timedelta(days=meeting.days_before) > today:
            continue
        try:
            with transaction.atomic():
                locked = BoardMeeting.objects.select_for_update().get(pk=meeting.pk)
                if locked.scheduled_report_requested_on is not None:
                    continue
                report_request(organisation=organisation, school=meeting.school, meeting=locked)
                locked.scheduled_report_requested_on = today
                locked.save(update_fields=["scheduled_report_requested_on"])
        except ValidationError:
            logger.info("No published results for the report of meeting %s yet", meeting.pk)
            continue
        queued += 1
    return queued
