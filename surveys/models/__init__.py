"""The surveys app's data: instruments, waves, invitations and anonymous responses."""

from .instruments import (
    NOT_APPLICABLE,
    PREFER_NOT_TO_SAY,
    SCALE_LABELS,
    SCALE_VALUES,
    CommentQuestion,
    DemographicQuestion,
    Domain,
    Instrument,
    InstrumentLocked,
    Item,
    Scale,
    localised,
)
from .links import SchoolLink
from .responses import Answer, Comment, Draft, Invitation, Response, ResponseCount
from .results import (
    DomainReliability,
    Driver,
    Release,
    ReleaseAtom,
    ReleaseCluster,
    ReleaseComment,
    ResultCell,
)
from .shared import SharedOrOrganisationManager, SharedOrOrganisationOwned
from .waves import DemographicsFrozen, Survey, SurveyDemographicQuestion, SurveySchool

__all__ = [
    "NOT_APPLICABLE",
    "PREFER_NOT_TO_SAY",
    "SCALE_LABELS",
    "SCALE_VALUES",
    "Answer",
    "Comment",
    "CommentQuestion",
    "DemographicQuestion",
    "DemographicsFrozen",
    "Domain",
    "Draft",
    "Driver",
    "DomainReliability",
    "Instrument",
    "InstrumentLocked",
    "Invitation",
    "Item",
    "Release",
    "ReleaseAtom",
    "ReleaseCluster",
    "ReleaseComment",
    "Response",
    "ResponseCount",
    "ResultCell",
    "Scale",
    "SchoolLink",
    "SharedOrOrganisationManager",
    "SharedOrOrganisationOwned",
    "Survey",
    "SurveyDemographicQuestion",
    "SurveySchool",
    "localised",
]
