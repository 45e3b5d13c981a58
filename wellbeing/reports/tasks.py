"""Background work for board reports.

Rendering runs on the "reports" queue (CELERY_TASK_ROUTES in settings), served by a worker of
its own started with `-Q reports --max-tasks-per-child=3`: WeasyPrint's memory is given back
to the system with a fresh child every few reports, and a large trust's report never holds up
survey links or releases.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from wellbeing.task_options import fan_out_options, task_options
from wellbeing.tenancy.context import organisation_task, platform_scope

from . import services


@shared_task(name="wellbeing.reports.tasks.report_render_task", **task_options(seconds=15 * 60, retries=3))
def report_render_task(organisation_id: int, report_id: int) -> str | None:
    # No organisation_task here: the service commits step by step so the page sees progress.
    report = services.report_render(organisation_id=organisation_id, report_id=report_id)
    return report.status if report is not None else None


@shared_task(name="wellbeing.reports.tasks.reports_request_due_for", **task_options(seconds=180))
@organisation_task
def reports_request_due_for(organisation_id: int) -> int:
    from wellbeing.tenancy.models import Organisation

    return services.reports_request_due(organisation=Organisation.objects.get(pk=organisation_id))


@shared_task(name="wellbeing.reports.tasks.reports_request_due", **fan_out_options(seconds=180))
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
