"""Board meetings and the board reports prepared for them.

A board report is a snapshot. Rendering composes the sections into a plain JSON document
(`data`), renders HTML from that document alone, and WeasyPrint turns the HTML into the PDF:
data, HTML and PDF are stored together and never change once the report is ready. Later
results, objectives or ratings never alter it; a new version is generated instead, and two
versions can be compared.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School

DEFAULT_DAYS_BEFORE = 14


class ReportFrozen(ValidationError):
    def __init__(self):
        super().__init__(
            _("This report is ready and can no longer be changed. Generate a new version instead."),
            code="report_frozen",
        )


class BoardMeeting(OrganisationOwned):
    """A meeting of the trust board (`school` empty) or of a school's governing board."""

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for a meeting of the trust board."),
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("meeting date"))
    days_before = models.PositiveSmallIntegerField(
        _("prepare the report this many days before"), default=DEFAULT_DAYS_BEFORE,
    )
    # Set when the scheduled report has been asked for, so the daily run asks only once.
    scheduled_report_requested_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["organisation", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(days_before__lte=120), name="meeting_days_before_at_most_120"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class BoardReport(OrganisationOwned):
    """One version of a board report for a scope (a school, or the organisation when `school`
    is empty) and a survey's published release."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be prepared")
        RENDERING = "rendering", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for the trust board's report."),
    )
    survey = models.ForeignKey("surveys.Survey", on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey("surveys.Release", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    meeting = models.ForeignKey(BoardMeeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="reports")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done"))
    stage = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    data = models.JSONField(null=True, blank=True)
    html = models.TextField(blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "school", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "school", "version"], nulls_distinct=False,
                                    name="report_version_unique_per_scope"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(data__isnull=False) & Q(pdf__isnull=False) & ~Q(sha256="")),
                name="ready_report_has_its_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name} v{self.version}"

    @property
    def scope_name(self) -> str:
        return self.school.name if self.school_id else str(_("Trust board"))

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    def _refuse_if_ready(self, using) -> None:
        if self.pk is None:
            return
        if BoardReport._base_manager.using(using).filter(pk=self.pk, status=self.Status.READY).exists():
            raise ReportFrozen()

    def save(self, *args, **kwargs):
        self._refuse_if_ready(kwargs.get("using") or self._state.db)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_ready(kwargs.get("using") or self._state.db)
        return super().delete(*args, **kwargs)
