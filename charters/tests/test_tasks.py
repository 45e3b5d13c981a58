"""Reminders for self-assessment reviews: a week before the due date, the day before, once when
overdue; each stage once per review; only reviews not signed off; sent by a real Celery worker."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import mail

from charters import services
from charters.models import Review
from charters.tasks import review_reminders_due
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .factories import adopt, open_period, rate_all, review_of

TODAY = datetime.date(2025, 3, 10)


def _send(org, today):
    with organisation_scope(org):
        return services.review_reminders_send(organisation=org, today=today)


@pytest.mark.django_db
def test_each_reminder_stage_goes_to_the_schools_lead_once(world):
    org = world.org("a")
    adopt(org)
    period = open_period(org, opens_on=datetime.date(2025, 1, 6), due_on=datetime.date(2025, 3, 14))
    rate_all(org, review_of(org, period, world.school("a", 1)), sign_off=True)  # done: never reminded
    school_lead = world.user("a", Role.SCHOOL_LEAD).email
    organisation_lead = world.user("a", Role.ORGANISATION_LEAD).email

    assert _send(org, datetime.date(2025, 3, 1)) == 0  # 13 days to go: nothing yet
    # A week before: school one's lead, and the organisation's lead for its own review.
    assert _send(org, TODAY) == 2
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([school_lead, organisation_lead])
    school_mail = next(m for m in mail.outbox if m.to == [school_lead])
    assert school_mail.subject == "Due 14 March 2025: the charter self-assessment for A School 1"
    review = review_of(org, period, world.school("a", 0))
    assert f"/o/trust-a/charter/reviews/{review.pk}/" in school_mail.body

    assert _send(org, TODAY + datetime.timedelta(days=1)) == 0  # the same stage never twice
    assert _send(org, datetime.date(2025, 3, 13)) == 2  # the day before
    assert _send(org, datetime.date(2025, 3, 20)) == 2  # overdue
    assert _send(org, datetime.date(2025, 3, 27)) == 0
    assert [m.subject for m in mail.outbox if m.to == [school_lead]][-1] == (
        "Overdue: the charter self-assessment for A School 1"
    )
    with organisation_scope(org):
        assert Review.objects.get(pk=review.pk).reminders_sent == ["due_7", "due_1", "overdue"]


@pytest.mark.django_db
def test_a_school_without_a_lead_is_reminded_through_the_organisations_leads(world):
    org = world.org("a")
    adopt(org)
    period = open_period(org, opens_on=datetime.date(2025, 1, 6), due_on=datetime.date(2025, 3, 14))
    for school in (world.school("a", 0), None):
        rate_all(org, review_of(org, period, school), sign_off=True)

    assert _send(org, TODAY) == 1

    (message,) = mail.outbox
    assert message.to == [world.user("a", Role.ORGANISATION_LEAD).email]
    assert "A School 2" in message.subject


@pytest.mark.celery
def test_the_beat_task_sends_the_days_reminders_through_the_worker(world, celery_worker):
    org = world.org("a")
    adopt(org)
    today = datetime.date.today()
    open_period(org, opens_on=today - datetime.timedelta(days=30), due_on=today + datetime.timedelta(days=3))

    assert review_reminders_due.delay().get(timeout=30) == 1  # one organisation has reviews due
    deadline = time.monotonic() + 30
    while len(mail.outbox) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)

    # School one's lead; the organisation's lead for school two (no lead of its own) and for its own review.
    assert len(mail.outbox) == 3
    assert review_reminders_due.delay().get(timeout=30) == 1
    time.sleep(2)
    assert len(mail.outbox) == 3  # nothing twice
