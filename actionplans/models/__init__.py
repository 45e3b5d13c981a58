"""The action plans app's data: objectives and their readings, plans and actions, "you said, we
did" updates, workload impact assessments and the history of changes."""

from .history import ChangeRecord
from .objectives import MetricReading, Objective
from .plans import (
    ACADEMIC_YEAR,
    Action,
    ActionCommitment,
    ActionFinding,
    ActionObjective,
    ActionPlan,
    Evidence,
    ProgressUpdate,
)
from .voice import DigestSubscription, YouSaidWeDid
from .workload import MAX_MINUTES_PER_WEEK, WorkloadAssessment, WorkloadImpact

__all__ = [
    "ACADEMIC_YEAR",
    "MAX_MINUTES_PER_WEEK",
    "Action",
    "ActionCommitment",
    "ActionFinding",
    "ActionObjective",
    "ActionPlan",
    "ChangeRecord",
    "DigestSubscription",
    "Evidence",
    "MetricReading",
    "Objective",
    "ProgressUpdate",
    "WorkloadAssessment",
    "WorkloadImpact",
    "YouSaidWeDid",
]
