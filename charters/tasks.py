"""Background work for charters: reminders for self-assessment reviews that are due."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from wellbeing.task_options import fan_out_options, task_options
from wellbeing.tenancy.context import organisation_task, platform_scope

from . import services
from .models import Review, ReviewPeriod

logger = logging.getLogger(__name__)


@shared_task(name="charters.review_reminders_send", **task_options(seconds=300))
@organisation_task
def review_reminders_send_task(organisation_id: int) -> int:
    from wellbeing.tenancy.models import Organisation

    organisation = Organisation.objects.get(pk=organisation_id)
    return services.review_reminders_send(organisation=organisation)


@shared_task(name="charters.tasks.review_reminders_due", **fan_out_options(seconds=180))
def review_reminders_due() -> int:
    """Celery beat, daily: one task per organisation with reviews still to sign off in an open
    period. Each stage of reminder goes out once, so an extra run sends nothing twice."""
    today = timezone.localdate()
    with platform_scope():
        organisation_ids = sorted(set(
            Review.objects.unscoped()
            .filter(status=Review.Status.IN_PROGRESS, period__status=ReviewPeriod.Status.OPEN,
                    period__opens_on__lte=today)
            .values_list("organisation_id", flat=True)
        ))
    for organisation_id in organisation_ids:
        review_reminders_send_task.delay(organisation_id)
    return len(organisation_ids)
