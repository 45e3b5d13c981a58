"""Workload impact assessments: recorded before a new policy or procedure is adopted."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import StaffMember

from ..models import MAX_MINUTES_PER_WEEK, WorkloadAssessment, WorkloadImpact

Decision = WorkloadAssessment.Decision


def _errors(*, title, affects, minutes, decision, decision_date, today) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    if not (title or "").strip():
        errors["title"] = [ValidationError(_("Name the policy or procedure."), code="required")]
    if not (affects or "").strip():
        errors["affects"] = [ValidationError(_("Say who the change affects."), code="required")]
    for category, value in minutes.items():
        if category not in StaffMember.JobCategory.values:
            raise ValueError(f"unknown job category {category!r}")
        if value is not None and abs(value) > MAX_MINUTES_PER_WEEK:
            errors.setdefault(f"minutes_{category}", []).append(ValidationError(
                _("Enter minutes a week between -%(max)s and %(max)s."), code="out_of_range",
                params={"max": MAX_MINUTES_PER_WEEK}))
    if decision not in Decision.values:
        errors["decision"] = [ValidationError(_("Choose the decision."), code="required")]
    elif decision == Decision.PENDING and decision_date is not None:
        errors["decision_date"] = [ValidationError(
            _("Leave the date empty until there is a decision."), code="date_without_decision")]
    elif decision != Decision.PENDING and decision_date is None:
        errors["decision_date"] = [ValidationError(_("Enter the date of the decision."), code="required")]
    elif decision_date is not None and decision_date > today:
        errors["decision_date"] = [ValidationError(_("The decision date cannot be in the future."),
                                                   code="future")]
    return errors


def _save_minutes(assessment: WorkloadAssessment, minutes: Mapping[str, int | None]) -> None:
    for category, value in minutes.items():
        if value is None:
            WorkloadImpact.objects.filter(assessment=assessment, job_category=category).delete()
        else:
            WorkloadImpact.objects.update_or_create(
                assessment=assessment, job_category=category,
                defaults={"organisation_id": assessment.organisation_id, "minutes_per_week": value},
            )


@transaction.atomic
def assessment_create(*, organisation, title: str, affects: str, minutes: Mapping[str, int | None],
                      school=None, description: str = "", mitigations: str = "",
                      decision: str = Decision.PENDING, decision_date: datetime.date | None = None,
                      assessed_by, today: datetime.date | None = None) -> WorkloadAssessment:
    """Record a workload impact assessment. `minutes` maps job categories to the minutes a week
    the change adds (positive) or removes (negative); a category left out is not affected."""
    errors = _errors(title=title, affects=affects, minutes=minutes, decision=decision,
                     decision_date=decision_date, today=today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    assessment = WorkloadAssessment.objects.create(
        organisation=organisation, school=school, title=title.strip(), description=description,
        affects=affects.strip(), mitigations=mitigations, decision=decision, decision_date=decision_date,
        assessed_by=assessed_by,
    )
    _save_minutes(assessment, minutes)
    return assessment


@transaction.atomic
def assessment_update(*, assessment: WorkloadAssessment, title: str, affects: str,
                      minutes: Mapping[str, int | None], description: str = "", mitigations: str = "",
                      decision: str, decision_date: datetime.date | None,
                      today: datetime.date | None = None) -> WorkloadAssessment:
    errors = _errors(title=title, affects=affects, minutes=minutes, decision=decision,
                     decision_date=decision_date, today=today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    assessment = WorkloadAssessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.title, assessment.affects = title.strip(), affects.strip()
    assessment.description, assessment.mitigations = description, mitigations
    assessment.decision, assessment.decision_date = decision, decision_date
    assessment.save()
    _save_minutes(assessment, minutes)
    return assessment
