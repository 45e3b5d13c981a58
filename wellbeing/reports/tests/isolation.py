"""Organisation B's board report and meeting for the isolation sweep (tests/test_isolation.py)."""

from __future__ import annotations

import datetime

from wellbeing.tenancy.context import organisation_scope


def organisation_b_objects(world) -> dict[str, int]:
    """A queued report and a meeting of B's trust board, by the URL keyword that names them. The
    report needs no results: the sweep only has to find that B's ids answer 404 for A."""
    from surveys.tests.factories import make_survey
    from wellbeing.reports.models import BoardMeeting, BoardReport

    b = world.org("b")
    with organisation_scope(b):
        survey = make_survey(organisation=b, title="B's board survey")
        meeting = BoardMeeting.objects.create(organisation=b, title="B's trust board", date=datetime.date(2027, 1, 20))
        report = BoardReport.objects.create(organisation=b, survey=survey, meeting=meeting, version=1)
    return {"report_id": report.pk, "meeting_id": meeting.pk}
