"""How Staffwell's Celery tasks behave when things go wrong, defined once for every app.

Every task is acknowledged only once it has finished and is handed back to the queue if its
worker dies (`acks_late`, `reject_on_worker_lost`): a task's effects are idempotent, so running
again is safe, and losing it is not. A task stops after its time limit, with a soft limit a
little earlier so it can roll back cleanly.

    @shared_task(name="surveys.response_counts_refresh", **task_options(seconds=120))
    @organisation_task
    def response_counts_refresh_task(organisation_id, survey_id): ...
"""

from __future__ import annotations

from django.db import OperationalError


def task_options(*, seconds: int, retries: int = 5, backoff_max: int | None = None) -> dict:
    """Options of a task doing work (one organisation's, usually): retried with exponential
    backoff, up to `retries` times, when the database connection fails (a restart, a failover),
    and stopped after `seconds`."""
    options = fan_out_options(seconds=seconds)
    if retries:
        options.update(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=retries)
        if backoff_max is not None:
            options["retry_backoff_max"] = backoff_max
    return options


def fan_out_options(*, seconds: int) -> dict:
    """Options of a task that only queues others (Celery beat's entries, one task per
    organisation): never retried, since the next scheduled run does the same."""
    return {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "soft_time_limit": max(seconds - 60, seconds * 5 // 6),
        "time_limit": seconds,
    }
