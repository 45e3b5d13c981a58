"""What staff send back: acknowledgements (named) and comments on commitments (anonymous).

An acknowledgement says "I have read this version" and may name the person. A comment may not:
it is stored like a survey comment, with no person, no time finer than a month and a random id,
and leads see it only among at least k comments on the same commitment and scope. Who has
already commented (one comment per person and commitment, so k comments are k people) is kept
in a separate table that shares no column with the comments.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School

from .charter import CharterVersion, Commitment


class Acknowledgement(OrganisationOwned):
    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_on = models.DateField(_("acknowledged on"))

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="one_acknowledgement_per_person_and_version"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – v{self.version.number}"


class CommitmentComment(OrganisationOwned):
    """Free text about a commitment. Deliberately linked to no person and no moment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="+")
    # The scope the comment speaks for: the writer's school, or the organisation as a whole.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    # The first day of the month it arrived: enough to tidy old comments away, too coarse to
    # match a comment to the moment someone was seen writing it.
    received_month = models.DateField()

    class Meta(OrganisationOwned.Meta):
        indexes = [models.Index(fields=["organisation", "commitment", "school"])]


class CommentSent(OrganisationOwned):
    """That a person has commented on a commitment (not what, not when): one comment each."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["commitment", "user"], name="one_comment_per_person_and_commitment"),
        ]
