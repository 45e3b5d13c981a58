"""Background work for tenancy: large roster imports."""

from __future__ import annotations

from celery import Task, shared_task

from wellbeing.task_options import task_options

from . import services
from .context import organisation_scope, organisation_task


class RosterImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries are spent: tell the page, which would otherwise keep waiting.
        organisation_id, roster_import_id = args
        with organisation_scope(organisation_id):
            services.roster_import_abandon(roster_import_id=roster_import_id)


@shared_task(
    base=RosterImportTask,
    name="tenancy.roster_import_process",
    **task_options(seconds=1800, retries=3),
)
@organisation_task
def roster_import_process_task(organisation_id: int, roster_import_id: int) -> None:
    services.roster_import_process_in_background(roster_import_id=roster_import_id)
