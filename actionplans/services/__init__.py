"""Every write a person (or the schedule, or a new release) can cause in the action plans app,
one transaction each."""

from .objectives import (
    objective_create,
    objective_record_reading,
    objective_refresh,
    objective_update,
    objectives_record_release,
    objectives_refresh_all,
    smart_errors,
)
from .plans import (
    FindingReference,
    academic_year_of,
    action_create,
    action_update,
    evidence_open,
    overdue_reminders_send,
    plan_create,
    progress_update_add,
)
from .voice import digest_send_due, digest_subscribe, digest_unsubscribe, post_publish
from .workload import assessment_create, assessment_update

__all__ = [
    "FindingReference",
    "academic_year_of",
    "action_create",
    "action_update",
    "assessment_create",
    "assessment_update",
    "digest_send_due",
    "digest_subscribe",
    "digest_unsubscribe",
    "evidence_open",
    "objective_create",
    "objective_record_reading",
    "objective_refresh",
    "objective_update",
    "objectives_record_release",
    "objectives_refresh_all",
    "overdue_reminders_send",
    "plan_create",
    "post_publish",
    "progress_update_add",
    "smart_errors",
]
