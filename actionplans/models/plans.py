"""Action plans (one per school, and one for the organisation, per academic year), their actions,
the survey findings that prompted them, and progress updates with evidence files."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.models import OrganisationOwned, School

from .objectives import Objective

ACADEMIC_YEAR = re.compile(r"^(?P<start>\d{4})/(?P<end>\d{2})$")


class ActionPlan(OrganisationOwned):
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for the organisation's own plan."),
    )
    year = models.CharField(_("academic year"), max_length=7, help_text=_("For example 2026/27."))
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-year", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "school", "year"], nulls_distinct=False, name="one_plan_per_scope_and_year"
            ),
            models.CheckConstraint(condition=Q(year__regex=r"^\d{4}/\d{2}$"), name="plan_year_format"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name} {self.year}"

    @property
    def scope_name(self) -> str:
        return self.school.name if self.school_id else str(_("Organisation"))


class Action(OrganisationOwned):
    class Level(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COLLABORATIVE = "collaborative", _("Collaborative")
        SYSTEMIC = "systemic", _("Systemic")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=15, choices=Level.choices)
    area = models.CharField(_("wellbeing area"), max_length=40, choices=WellbeingArea.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("owner"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.PLANNED)
    objectives = models.ManyToManyField(
        Objective, through="ActionObjective", related_name="actions", blank=True, verbose_name=_("objectives")
    )
    commitments = models.ManyToManyField(
        "charters.Commitment", through="ActionCommitment", related_name="+", blank=True,
        verbose_name=_("charter commitments"),
    )
    last_reminded_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["due_date", "title"]
        indexes = [models.Index(fields=["organisation", "plan", "status"]),
                   models.Index(fields=["organisation", "status", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(start_date__lte=F("due_date")),
                name="action_starts_before_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ActionObjective(OrganisationOwned):
    """An objective an action works towards (a through table, so the link carries its tenant)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")

    class Meta(OrganisationOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["action", "objective"], name="action_objective_unique")]


class ActionCommitment(OrganisationOwned):
    """A charter commitment an action helps keep (the link is held here, on the higher floor)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    commitment = models.ForeignKey("charters.Commitment", on_delete=models.CASCADE, related_name="+")

    class Meta(OrganisationOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["action", "commitment"], name="action_commitment_unique")]


class ActionFinding(OrganisationOwned):
    """The survey finding that prompted an action: one result cell of a released survey,
    chosen on a dashboard ("create action from this")."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="findings")
    # Only cells of published (or superseded) releases are ever linked, and those are never
    # deleted; the database's own foreign key refuses it if one were. DO_NOTHING keeps the ORM
    # from loading a release's 100,000 cells to look for findings when an unfinished build is
    # thrown away.
    cell = models.ForeignKey("surveys.ResultCell", on_delete=models.DO_NOTHING, related_name="+",
                             verbose_name=_("result cell"))
    description = models.CharField(_("finding"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "cell"], name="action_finding_unique")
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def release_id(self) -> int:
        return self.cell.release_id

    @property
    def cell_key(self) -> str:
        return self.cell.key


class ProgressUpdate(OrganisationOwned):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    note = models.TextField(_("what happened"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organisation", "action"])]

    def __str__(self) -> str:
        return f"{self.date}: {self.note[:40]}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # A random name, never the uploader's: names can carry personal details, and a guessable
    # path must not matter even if the media directory were ever served by mistake.
    return f"actionplans/evidence/{instance.organisation_id}/{secrets.token_hex(16)}.{instance.extension}"


class Evidence(OrganisationOwned):
    """A file attached to a progress update; downloaded only through a permission-checked view."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
