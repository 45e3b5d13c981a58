"""Background work for board reports.

Rendering runs on the "reports" queue (CELERY_TASK_ROUTES in settings), served by a worker of
its own started with `-Q reports --max-tasks-per-child=3`: WeasyPrint's memory is given back
to the system with a fresh child every few reports, and a large trust's report never holds up
survey links or releases.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from wellbeing.tenancy.context import organisation_task, platform_scope

from . import services


@shared_task(
    name="wellbeing.reports.tasks.report_render_task",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=14 * 60,
    time_limit=15 * 60,
)
def report_render_task(organisation_id: int, report_id: int) -> str | None:
    # No organisation_task here: the service commits step by step so the page sees progress.
    report = services.report_render(organisation_id=organisation_id, report_id=report_id)
    return report.status if report is not None else None


@shared_task(name="wellbeing.reports.tasks.reports_request_due_for", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, soft_time_limit=120,
             time_limit=180)
@organisation_task
def reports_request_due_for(organisation_id: int) -> int:
    from wellbeing.tenancy.models import Organisation

    return services.reports_request_due(organisation=Organisation.objects.get(pk=organisation_id))


@shared_task(name="wellbeing.reports.tasks.reports_request_due", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=120, time_limit=180)
def reports_request_due() -> int:
    """Celery beat, daily: one task per organisation with a meeting whose report is due."""
    from .models import BoardMeeting

    today = timezone.localdate()
    with platform_scope():
        organisation_ids = sorted(set(
            BoardMeeting.objects.unscoped()
            .filter(date__gte=today, scheduled_report_requested_on__isnull=True)
            .values_list("organisation_id", flat=True)
        ))
    for organisation_id in organisation_ids:
        reports_request_due_for.delay(organisation_id)
    return len(organisation_ids)
