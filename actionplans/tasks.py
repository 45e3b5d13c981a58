"""Background work for action plans: thin tasks that load by id and call a service.

Celery beat (settings.CELERY_BEAT_SCHEDULE):
* `actionplans.tasks.daily`, every morning: for each organisation, remind the owners of overdue
  actions and refresh objectives' statuses ("not met" follows the calendar);
* `actionplans.tasks.weekly_digest`, Monday morning: for each organisation, the "you said, we
  did" digest to the people who asked for it.

A new release updates objectives through `on_release_published`, connected to the surveys'
`release_published` signal in ActionplansConfig.ready: the signal is sent once the publishing
transaction has committed, and a worker then reads the release into the objectives, in the
release's organisation's scope (`organisation_task`).
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from wellbeing.task_options import fan_out_options, task_options
from wellbeing.tenancy.context import current_organisation_id, organisation_task
from wellbeing.tenancy.models import Organisation

from . import services

_OPTIONS = task_options(seconds=600)


@shared_task(name="actionplans.objectives_record_release", **_OPTIONS)
@organisation_task
def objectives_record_release_task(organisation_id: int, release_id: int) -> int:
    return services.objectives_record_release(release_id=release_id)


def on_release_published(release_id=None, *, release=None, organisation_id=None, **signal_kwargs) -> None:
    """A release was published (called directly with its id, or as a signal receiver with
    `release_id=` or `release=`): once the publishing transaction has committed, a worker reads
    the release into every objective on a survey measure of its organisation."""
    if release_id is None:
        release_id = getattr(release, "pk", release)
    if organisation_id is None:
        organisation_id = getattr(release, "organisation_id", None) or current_organisation_id()
    transaction.on_commit(lambda: objectives_record_release_task.delay(organisation_id, release_id))


@shared_task(name="actionplans.overdue_reminders", **_OPTIONS)
@organisation_task
def overdue_reminders_task(organisation_id: int) -> int:
    return services.overdue_reminders_send()


@shared_task(name="actionplans.objectives_refresh", **_OPTIONS)
@organisation_task
def objectives_refresh_task(organisation_id: int) -> int:
    return services.objectives_refresh_all()


@shared_task(name="actionplans.digest_send", **_OPTIONS)
@organisation_task
def digest_send_task(organisation_id: int) -> int:
    return services.digest_send_due()


def _active_organisation_ids() -> list[int]:
    return list(Organisation.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


@shared_task(name="actionplans.tasks.daily", **fan_out_options(seconds=180))
def daily() -> int:
    """Fan out: one task per organisation and job, so one organisation's trouble holds up no other."""
    organisation_ids = _active_organisation_ids()
    for organisation_id in organisation_ids:
        overdue_reminders_task.delay(organisation_id)
        objectives_refresh_task.delay(organisation_id)
    return len(organisation_ids)


@shared_task(name="actionplans.tasks.weekly_digest", **fan_out_options(seconds=180))
def weekly_digest() -> int:
    organisation_ids = _active_organisation_ids()
    for organisation_id in organisation_ids:
        digest_send_task.delay(organisation_id)
    return len(organisation_ids)
