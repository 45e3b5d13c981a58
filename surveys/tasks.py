"""Background work for surveys: thin tasks that load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from wellbeing.tenancy.context import organisation_scope, organisation_task, platform_scope

from . import services
from .models import Survey

logger = logging.getLogger(__name__)


@shared_task(
    name="surveys.response_counts_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=100,
    time_limit=120,
)
@organisation_task
def response_counts_refresh_task(organisation_id: int, survey_id: int) -> None:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is not None:
        services.response_counts_refresh(survey=survey)


@shared_task(
    name="surveys.tasks.open_and_close_due_surveys",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=540,
    time_limit=600,
)
def open_and_close_due_surveys() -> dict[str, int]:
    """Celery beat, every few minutes: open and close the surveys whose time has come, each
    organisation in its own scope (and transaction), so one organisation's failure does not
    hold up the others."""
    now = timezone.now()
    with platform_scope():
        organisation_ids = sorted(set(
            Survey.objects.unscoped()
            .filter(
                Q(status=Survey.Status.SCHEDULED, opens_at__lte=now)
                | Q(status=Survey.Status.OPEN, closes_at__lte=now)
            )
            .values_list("organisation_id", flat=True)
        ))
    totals = {"opened": 0, "closed": 0, "failed": 0}
    for organisation_id in organisation_ids:
        try:
            with organisation_scope(organisation_id):
                done = services.surveys_open_and_close_due(now=now)
        except Exception:
            logger.exception("Opening/closing due surveys failed for organisation %s", organisation_id)
            totals["failed"] += 1
            continue
        totals["opened"] += done["opened"]
        totals["closed"] += done["closed"]
    return totals
