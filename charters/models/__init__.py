"""The charters app's data: charters, versions, commitments, self-assessment, staff responses."""

from .charter import (
    Charter,
    CharterVersion,
    CharterVersionLocked,
    Commitment,
    CommitmentItem,
    text_in,
)
from .reviews import (
    EvidenceFile,
    EvidenceLink,
    Rating,
    Review,
    ReviewPeriod,
    ReviewSignedOff,
)
from .staff import Acknowledgement, CommentSent, CommitmentComment

__all__ = [
    "Acknowledgement",
    "Charter",
    "CharterVersion",
    "CharterVersionLocked",
    "CommentSent",
    "Commitment",
    "CommitmentComment",
    "CommitmentItem",
    "EvidenceFile",
    "EvidenceLink",
    "Rating",
    "Review",
    "ReviewPeriod",
    "ReviewSignedOff",
    "text_in",
]
