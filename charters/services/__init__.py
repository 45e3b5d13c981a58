"""Every write a person can cause in the charters app."""

from .charters import (
    charter_adopt,
    charter_create,
    charter_version_discard,
    charter_version_new_draft,
    charter_version_publish,
    charter_version_update,
    commitment_add,
    commitment_move,
    commitment_remove,
    commitment_update,
)
from .reviews import (
    evidence_file_remove,
    evidence_link_remove,
    rating_save,
    review_period_close,
    review_period_open,
    review_reminders_send,
    review_sign_off,
)
from .staff import charter_acknowledge, commitment_comment, redact

__all__ = [
    "charter_acknowledge",
    "charter_adopt",
    "charter_create",
    "charter_version_discard",
    "charter_version_new_draft",
    "charter_version_publish",
    "charter_version_update",
    "commitment_add",
    "commitment_comment",
    "commitment_move",
    "commitment_remove",
    "commitment_update",
    "evidence_file_remove",
    "evidence_link_remove",
    "rating_save",
    "redact",
    "review_period_close",
    "review_period_open",
    "review_reminders_send",
    "review_sign_off",
]
