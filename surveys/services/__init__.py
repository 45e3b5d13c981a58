"""Every write a user (or the schedule) can cause in the surveys app, one transaction each."""

from .instruments import (
    instrument_add_item,
    instrument_export,
    instrument_import,
    instrument_load_builtin,
    instrument_new_version,
    instrument_publish,
)
from .responses import (
    Outcome,
    Submission,
    SubmissionRefused,
    draft_save,
    response_counts_refresh,
    response_submit,
)
from .waves import (
    invitation_issue,
    survey_close,
    survey_create,
    survey_open,
    survey_schedule,
    survey_set_demographic_questions,
    surveys_open_and_close_due,
)

__all__ = [
    "Outcome",
    "Submission",
    "SubmissionRefused",
    "draft_save",
    "instrument_add_item",
    "instrument_export",
    "instrument_import",
    "instrument_load_builtin",
    "instrument_new_version",
    "instrument_publish",
    "invitation_issue",
    "response_counts_refresh",
    "response_submit",
    "survey_close",
    "survey_create",
    "survey_open",
    "survey_schedule",
    "survey_set_demographic_questions",
    "surveys_open_and_close_due",
]
