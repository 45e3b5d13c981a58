"""Reads for the action plans' pages, exports, API, emails and reports.

Every list a person sees is narrowed here by the rules in permissions.py, on top of the
organisation scoping every query already has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Membership, Role
from wellbeing.tenancy.permissions import Access

from . import permissions
from .models import (
    Action,
    ActionFinding,
    ActionPlan,
    ChangeRecord,
    Evidence,
    MetricReading,
    Objective,
    ProgressUpdate,
    WorkloadAssessment,
    WorkloadImpact,
    YouSaidWeDid,
)


# --- Objectives -------------------------------------------------------------------------------
def objectives_visible_to(*, access: Access) -> QuerySet[Objective]:
    return (
        Objective.objects.filter(permissions.scope_filter(access))
        .select_related("school", "owner", "measure_item", "measure_domain")
        .order_by("school__name", "target_date", "title")
    )


def objective_readings(*, objective: Objective) -> QuerySet[MetricReading]:
    return objective.readings.select_related("entered_by").order_by("-date", "-id")


def objectives_linkable(*, access: Access, plan: ActionPlan) -> QuerySet[Objective]:
    """Objectives an action of `plan` may serve: its school's and the organisation's (those the
    person may read)."""
    scope = Q(school__isnull=True) if plan.school_id is None else Q(school__isnull=True) | Q(school=plan.school_id)
    return objectives_visible_to(access=access).filter(scope)


def commitments_linkable(*, action: Action | None = None):
    """Charter commitments an action may help keep: those of the charter staff see now (the
    latest published version), and any the action already names."""
    from charters.models import CharterVersion, Commitment

    version = CharterVersion.objects.filter(status=CharterVersion.Status.PUBLISHED).order_by("-number").first()
    scope = Q(version=version) if version is not None else Q(pk__in=[])
    if action is not None:
        scope |= Q(pk__in=action.commitments.values("pk"))
    return Commitment.objects.filter(scope).order_by("order", "id")


# --- Plans and actions ------------------------------------------------------------------------
def _overdue(today: datetime.date) -> Case:
    return Case(
        When(status__in=Action.OPEN_STATUSES, due_date__lt=today, then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    )


def plans_visible_to(*, access: Access) -> QuerySet[ActionPlan]:
    today = timezone.localdate()
    return (
        ActionPlan.objects.filter(permissions.scope_filter(access))
        .select_related("school")
        .annotate(
            action_count=Count("actions", distinct=True),
            done_count=Count("actions", filter=Q(actions__status=Action.Status.DONE), distinct=True),
            overdue_count=Count("actions", filter=Q(actions__status__in=Action.OPEN_STATUSES,
                                                    actions__due_date__lt=today), distinct=True),
        )
        .order_by("-year", "school__name")
    )


def plans_manageable(*, access: Access) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(permissions.manage_filter(access)).select_related("school").order_by(
        "-year", "school__name")


def actions_visible_to(*, access: Access) -> QuerySet[Action]:
    return (
        Action.objects.filter(permissions.scope_filter(access, field="plan__school"))
        .select_related("plan", "plan__school", "owner")
        .annotate(is_overdue=_overdue(timezone.localdate()))
    )


def plan_actions(*, plan: ActionPlan) -> QuerySet[Action]:
    """The plan's actions with their objectives, findings and latest update, overdue ones flagged."""
    return (
        Action.objects.filter(plan=plan)
        .select_related("owner")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("title")),
            Prefetch("findings", queryset=ActionFinding.objects.select_related("cell").order_by("id")),
            Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-date", "-id")),
        )
        .annotate(is_overdue=_overdue(timezone.localdate()))
        .order_by("level", "due_date", "title")
    )


def action_updates(*, action: Action) -> QuerySet[ProgressUpdate]:
    return (
        ProgressUpdate.objects.filter(action=action)
        .select_related("author")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("-date", "-id")
    )


def updates_visible_to(*, access: Access) -> QuerySet[ProgressUpdate]:
    return (
        ProgressUpdate.objects.filter(permissions.scope_filter(access, field="action__plan__school"))
        .select_related("action", "author")
        .order_by("-date", "-id")
    )


def evidence_visible_to(*, access: Access) -> QuerySet[Evidence]:
    return Evidence.objects.filter(
        permissions.scope_filter(access, field="update__action__plan__school")
    ).select_related("update__action__plan")


def overdue_actions_to_remind(*, today: datetime.date, remind_every: int) -> QuerySet[Action]:
    """Open actions due before today whose owner has not heard about them for `remind_every` days."""
    recently = today - datetime.timedelta(days=remind_every)
    return (
        Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today, owner__isnull=False)
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=recently))
        .select_related("owner", "plan", "plan__school")
        .order_by("owner_id", "due_date")
    )


def findings_choosable(*, access: Access) -> QuerySet[ActionFinding]:
    """Findings behind actions this person manages: what a "you said, we did" post may quote."""
    return (
        ActionFinding.objects.filter(permissions.manage_filter(access, field="action__plan__school"))
        .select_related("action", "action__plan", "action__plan__school", "cell")
        .order_by("-id")
    )


# --- People -----------------------------------------------------------------------------------
def owner_choices():
    """People who can own an objective or an action: the organisation's wellbeing leads."""
    user_ids = Membership.objects.filter(
        is_active=True, role__in=[Role.ORGANISATION_LEAD, Role.SCHOOL_LEAD]
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).order_by("full_name", "email")


# --- "You said, we did" ------------------------------------------------------------------------
def posts_visible_to(*, access: Access, user) -> QuerySet[YouSaidWeDid]:
    return (
        YouSaidWeDid.objects.filter(permissions.post_filter(access, user))
        .select_related("school", "action")
        .order_by("-published_at", "-id")
    )


# --- Workload impact assessments -----------------------------------------------------------------
def assessments_visible_to(*, access: Access) -> QuerySet[WorkloadAssessment]:
    return (
        WorkloadAssessment.objects.filter(permissions.assessment_filter(access))
        .select_related("school", "assessed_by")
        .prefetch_related(Prefetch("impacts", queryset=WorkloadImpact.objects.order_by("id")))
        .order_by("-created_at")
    )


# --- History ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    user: object
    kind: str
    kind_label: str
    note: str
    changes: list[HistoryChange] = field(default_factory=list)


def _shown(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field is None:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field.get_internal_type() == "DateField":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "j F Y")
        except (TypeError, ValueError):
            return str(value)
    if model_field.get_internal_type() == "DecimalField":
        return formats.number_format(value)
    return str(value)


def history_of(*, instance: Objective | Action) -> list[HistoryEntry]:
    """The object's history, newest first, each field change in the reader's language."""
    subject = instance._meta.model_name
    records = ChangeRecord.objects.filter(subject=subject, subject_id=instance.pk).select_related("user")
    entries = []
    for record in records.order_by("-at", "-id"):
        changes = []
        for change in record.changes:
            try:
                model_field = instance._meta.get_field(change["field"])
            except FieldDoesNotExist:  # a field since removed: show its name as it was
                model_field = None
            label = str(model_field.verbose_name) if model_field is not None else change["field"]
            changes.append(HistoryChange(label=label[:1].upper() + label[1:], old=_shown(model_field, change["old"]),
                                         new=_shown(model_field, change["new"])))
        entries.append(HistoryEntry(at=record.at, user=record.user, kind=record.kind,
                                    kind_label=str(record.get_kind_display()), note=record.note, changes=changes))
    return entries
