"""Demo board reports for Northbrook Learning Trust: a meeting calendar (the trust board in ten
days, the demo school's governors in six weeks) and the trust board's report, ready to open.

The report is rendered here, synchronously, so the demo has one at once; the governors' report
is left to the schedule (Celery beat prepares it 14 days before their meeting). Meetings are
matched by title and board, and a report is made only when the board has none, so a second load
adds nothing.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from surveys.results import release_latest
from wellbeing.reports import services
from wellbeing.reports.models import BoardMeeting, BoardReport
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School

from . import Demo
from .tenancy import DEMO_SCHOOL, LOGIN_DOMAIN

ORGANISATION = "northbrook"
ORG_LEAD = f"organisation_lead@{LOGIN_DOMAIN}"


def load(*, demo: Demo) -> None:
    organisation = demo.organisations.get(ORGANISATION)
    if organisation is None:
        return
    lead = get_user_model().objects.filter(email=ORG_LEAD).first()
    today = timezone.localdate()
    with organisation_scope(organisation):
        if release_latest() is None:
            return
        school = School.objects.get(name=DEMO_SCHOOL)
        board = _meeting("Trust board: staff wellbeing", None, today + datetime.timedelta(days=10), lead)
        _meeting("Governing board: autumn term", school, today + datetime.timedelta(days=42), lead)
        report = BoardReport.objects.filter(school__isnull=True).order_by("-version").first()
        if report is None:
            report = services.report_request(organisation=organisation, school=None, meeting=board,
                                             requested_by=lead)
            BoardMeeting.objects.filter(pk=board.pk).update(scheduled_report_requested_on=today)
    if not report.is_ready:
        report = services.report_render(organisation_id=organisation.pk, report_id=report.pk)
    demo.say(f"Board reports for {organisation.name}: the trust board's report, version {report.version}, "
             f"{report.get_status_display().lower()} ({report.pages or 0} pages).")


def _meeting(title: str, school, date: datetime.date, lead) -> BoardMeeting:
    meeting = BoardMeeting.objects.filter(title=title, school=school).first()
    if meeting is None:
        meeting = BoardMeeting.objects.create(title=title, school=school, date=date, created_by=lead)
    return meeting
