"""Background work for surveys: thin tasks that load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from wellbeing.task_options import fan_out_options, task_options
from wellbeing.tenancy.context import organisation_scope, organisation_task, platform_scope

from . import services
from .models import Survey

logger = logging.getLogger(__name__)


@shared_task(name="surveys.response_counts_refresh", **task_options(seconds=120))
@organisation_task
def response_counts_refresh_task(organisation_id: int, survey_id: int) -> None:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is not None:
        services.response_counts_refresh(survey=survey)


@shared_task(name="surveys.tasks.open_and_close_due_surveys", **fan_out_options(seconds=600))
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


# --- Distribution: invitations and reminders ----------------------------------------------------
# Not retried as a whole: each person is sent in a transaction of their own, and whoever a
# failure left out is picked up by the next scheduled run.
_SEND_OPTIONS = task_options(seconds=600, retries=0)


def _each_in_own_transaction(organisation_id: int, ids: list[int], send_one) -> dict[str, int]:
    """One transaction per person: a worker lost half-way has kept everything it sent, so the
    redelivered task skips those people instead of mailing them a second, different link. An
    email that fails leaves that person for the next scheduled run."""
    done = {"sent": 0, "skipped": 0, "failed": 0}
    for pk in ids:
        try:
            with organisation_scope(organisation_id):
                sent = send_one(pk)
        except Exception:
            logger.exception("Survey email to one person failed (organisation %s)", organisation_id)
            done["failed"] += 1
            continue
        done["sent" if sent is not None else "skipped"] += 1
    return done


@shared_task(name="surveys.invitations_send", **_SEND_OPTIONS)
def invitations_send_task(organisation_id: int, survey_id: int, staff_member_ids: list[int]) -> dict[str, int]:
    from wellbeing.tenancy.models import StaffMember

    def send_one(staff_member_id):
        survey = Survey.objects.filter(pk=survey_id).first()
        staff_member = StaffMember.objects.filter(pk=staff_member_id).first()
        if survey is None or staff_member is None:
            return None
        return services.invitation_send(survey=survey, staff_member=staff_member)

    done = _each_in_own_transaction(organisation_id, staff_member_ids, send_one)
    with organisation_scope(organisation_id):
        survey = Survey.objects.filter(pk=survey_id).first()
        if survey is not None:
            services.response_counts_refresh(survey=survey)  # "invited" counts follow at once
    return done


@shared_task(name="surveys.reminders_send", **_SEND_OPTIONS)
def reminders_send_task(organisation_id: int, survey_id: int, invitation_ids: list[int]) -> dict[str, int]:
    return _each_in_own_transaction(
        organisation_id, invitation_ids, lambda pk: services.reminder_send(invitation_id=pk)
    )


@shared_task(name="surveys.tasks.distribute_due", **fan_out_options(seconds=600))
def distribute_due() -> dict[str, int]:
    """Celery beat, every half hour: for each open survey, invite people who joined the roster
    since the last run (everyone, the first time after opening) and queue the reminders whose
    day has come. Both services are idempotent, so a run too many sends nothing twice."""
    now = timezone.now()
    with platform_scope():
        surveys = list(
            Survey.objects.unscoped()
            .filter(status=Survey.Status.OPEN, closes_at__gt=now)
            .values_list("organisation_id", "pk")
        )
    totals = {"invited": 0, "reminded": 0, "failed": 0}
    for organisation_id, survey_id in surveys:
        try:
            with organisation_scope(organisation_id):
                survey = Survey.objects.get(pk=survey_id)
                totals["invited"] += len(services.survey_invite(survey=survey))
                totals["reminded"] += len(services.survey_remind(survey=survey, now=now))
        except Exception:
            logger.exception("Distribution failed for survey %s of organisation %s", survey_id, organisation_id)
            totals["failed"] += 1
    return totals


# --- Releases ----------------------------------------------------------------------------------
@shared_task(name="surveys.release_build", **task_options(seconds=900, backoff_max=600))
def release_build_task(
    organisation_id: int, survey_id: int, kind: str, requested_by_id: int | None = None,
    requested_at: str | None = None,
) -> int | None:
    """Build and publish a release (queued when a survey closes, and by a lead's request). The
    service runs its own transactions; a redelivered task finds the release already published."""
    from django.contrib.auth import get_user_model
    from django.utils.dateparse import parse_datetime

    from .services.releases import release_build

    with organisation_scope(organisation_id):
        survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return None
    requested_by = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    release = release_build(
        survey=survey, kind=kind, requested_by=requested_by,
        requested_at=parse_datetime(requested_at) if requested_at else None,
    )
    return release.pk


@shared_task(name="surveys.storage_scrub", **task_options(seconds=1800, backoff_max=600))
@organisation_task
def storage_scrub_task(organisation_id: int, survey_id: int) -> None:
    """Queued after a survey's final release: rewrite its stored answers without ordering traces."""
    from .services.releases import release_storage_scrub

    survey = Survey.objects.filter(pk=survey_id, status=Survey.Status.CLOSED).first()
    if survey is not None:
        release_storage_scrub(survey=survey)


@shared_task(name="surveys.results_xlsx_store", **task_options(seconds=900))
@organisation_task
def results_xlsx_store_task(organisation_id: int, release_id: int, all_schools: bool, school_ids: list[int],
                            language: str) -> None:
    """A release's Excel download for one scope of readers and one language, written to the
    private file storage (surveys.exports.xlsx_store); the export view hands it out from there."""
    from .exports import release_visible, xlsx_store
    from .permissions import ResultsScope

    release = release_visible(release_id=release_id)
    if release is not None:
        scope = ResultsScope(all_schools=all_schools, school_ids=frozenset(school_ids))
        xlsx_store(release=release, scope=scope, language=language)
