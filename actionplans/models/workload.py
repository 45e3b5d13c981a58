"""Workload impact assessments: before a new policy or procedure, how much time it adds or saves
each week for each job category, what softens it, and what was decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School, StaffMember

# A working week, in minutes, either way: a bigger estimate is a typing mistake.
MAX_MINUTES_PER_WEEK = 40 * 60


class WorkloadAssessment(OrganisationOwned):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        APPROVED = "approved", _("Approved")
        CHANGED = "changed", _("Approved with changes")
        REJECTED = "rejected", _("Rejected")

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for a policy of the whole organisation."),
    )
    title = models.CharField(_("policy or procedure"), max_length=200)
    description = models.TextField(_("what changes"), blank=True)
    affects = models.TextField(_("who it affects"))
    mitigations = models.TextField(_("mitigations"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending", decision_date__isnull=True)
                | (~Q(decision="pending") & Q(decision_date__isnull=False)),
                name="workload_decision_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WorkloadImpact(OrganisationOwned):
    """Minutes a week the change adds (positive) or removes (negative) for one job category."""

    assessment = models.ForeignKey(WorkloadAssessment, on_delete=models.CASCADE, related_name="impacts")
    job_category = models.CharField(max_length=30, choices=StaffMember.JobCategory.choices)
    minutes_per_week = models.IntegerField()

    class Meta(OrganisationOwned.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "job_category"], name="workload_impact_once_per_category"),
            models.CheckConstraint(
                condition=Q(minutes_per_week__gte=-MAX_MINUTES_PER_WEEK, minutes_per_week__lte=MAX_MINUTES_PER_WEEK),
                name="workload_minutes_within_a_week",
            ),
        ]
