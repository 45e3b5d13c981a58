"""Self-assessment: review periods, one review per school (and one for the organisation), a
rating per commitment with narrative and evidence.

A signed-off review is read-only: its ratings and evidence refuse to change.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.frozen import Freezable, FrozenWithParent
from wellbeing.tenancy.models import OrganisationOwned, School

from .charter import CharterVersion, Commitment


class ReviewSignedOff(ValidationError):
    def __init__(self, message=None):
        super().__init__(
            message or _("This review has been signed off and can no longer be changed."),
            code="review_signed_off",
        )


class ReviewPeriod(OrganisationOwned):
    """A round of self-assessment against one published charter version, with a due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    version = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="+")
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("opens_on")), name="review_period_due_after_open"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Review(Freezable, OrganisationOwned):
    """One school's self-assessment in a period; `school` empty: the organisation's own.
    Its ratings and evidence are frozen once it is signed off (ReviewPart)."""

    frozen_statuses = ("signed_off",)
    frozen_error = ReviewSignedOff

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SIGNED_OFF = "signed_off", _("Signed off")

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="reviews")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_on = models.DateField(_("signed off on"), null=True, blank=True)
    # Reminder stages already emailed ("due_7", "due_1", "overdue"): each goes out once.
    reminders_sent = ArrayField(models.CharField(max_length=20), default=list, blank=True)

    class Meta(OrganisationOwned.Meta):
        indexes = [models.Index(fields=["organisation", "period", "school"])]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "school"], nulls_distinct=False, name="one_review_per_scope_and_period"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress") | Q(signed_off_on__isnull=False),
                name="review_signed_off_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} – {self.school or _('Organisation')}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == self.Status.SIGNED_OFF

    @property
    def is_organisation_review(self) -> bool:
        return self.school_id is None


class ReviewPart(FrozenWithParent, OrganisationOwned):
    """A row of a review (a rating or its evidence, `review` FK): frozen once the review is signed off."""

    frozen_parent = "review"

    class Meta(OrganisationOwned.Meta):
        abstract = True


class Rating(ReviewPart):
    class Level(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        DEVELOPING = "developing", _("Developing")
        EMBEDDED = "embedded", _("Embedded")

    # Levels that claim progress must show evidence of it; "not started" claims nothing.
    LEVELS_NEEDING_EVIDENCE = (Level.DEVELOPING, Level.EMBEDDED)
    LEVEL_ORDER = {Level.NOT_STARTED: 0, Level.DEVELOPING: 1, Level.EMBEDDED: 2}

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("rating"), max_length=12, choices=Level.choices)
    narrative = models.TextField(_("what is in place"), blank=True)
    # Set when the rating was copied from the previous review (the commitment was unchanged);
    # cleared as soon as someone confirms or changes it.
    carried_forward_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(ReviewPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["review", "commitment"], name="one_rating_per_commitment"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.get_level_display()}"


    @property
    def needs_evidence(self) -> bool:
        return self.level in self.LEVELS_NEEDING_EVIDENCE


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    """A random name under MEDIA_ROOT: the person's file name is kept in the row, never on disk."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"charters/evidence/{uuid.uuid4().hex}{suffix}"


class EvidenceLink(ReviewPart):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="links")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("link"), max_length=500)
    title = models.CharField(_("what the link shows"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ReviewPart.Meta):
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title or self.url



class EvidenceFile(ReviewPart):
    # Random ids: a download address says nothing about how many files exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="files")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ReviewPart.Meta):
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

