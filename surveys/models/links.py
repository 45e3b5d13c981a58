"""Shared school links: one address per school and survey, for staff who have no email.

A poster with the link (and its QR code) hangs in the staff room, so the link is not a secret
the way a personal link is, and a lead must be able to print the poster again at any time.
The token is therefore not random and forgotten but derived: an HMAC (key TOKEN_HASH_KEY) of a
random seed kept here. Only its keyed hash is looked up, as for invitations; without the key,
neither the seed nor the hash gives the link away. Rotating draws a new seed: every poster
printed before stops working.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School

from .waves import Survey


class SchoolLink(OrganisationOwned):
    """The shared link of one school in one survey. Answers sent through it have no invitation."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    seed = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_on = models.DateField(_("created on"))
    rotated_on = models.DateField(_("last replaced on"), null=True, blank=True)

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["survey", "school"], name="school_link_one_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.school} ({self.survey})"
