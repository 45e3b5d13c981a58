"""Action plans and their actions: creating and changing them, the findings that prompted them,
progress updates with evidence files, and reminders to the owners of overdue actions."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Organisation

from .. import measures
from ..evidence import MAX_FILES_PER_UPDATE, check_evidence
from ..models import (
    ACADEMIC_YEAR,
    Action,
    ActionCommitment,
    ActionFinding,
    ActionObjective,
    ActionPlan,
    ChangeRecord,
    Evidence,
    Objective,
    ProgressUpdate,
)
from ..selectors import overdue_actions_to_remind
from . import history

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("title", "description", "level", "area", "owner", "start_date", "due_date", "status",
                   "objectives", "commitments")
TRACKED_FIELDS = ("plan", *EDITABLE_FIELDS)
# An owner hears about an overdue action again after this many days, not every morning.
REMIND_EVERY_DAYS = 7


def academic_year_of(date: datetime.date) -> str:
    """The academic year (September to August) a date falls in, e.g. "2026/27"."""
    start = date.year if date.month >= 9 else date.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _check_year(year: str) -> None:
    match = ACADEMIC_YEAR.match(year or "")
    if match is None or int(match["end"]) != (int(match["start"]) + 1) % 100:
        raise ValidationError(
            {"year": ValidationError(_("Enter the academic year as two years, for example 2026/27."),
                                     code="year")})


@transaction.atomic
def plan_create(*, organisation, school=None, year: str, summary: str = "", created_by) -> ActionPlan:
    """The plan of a school (or of the organisation, school None) for one academic year; there
    is one at most, so asking twice for the same plan is an error that names the existing one."""
    year = (year or "").strip()
    _check_year(year)
    if ActionPlan.objects.filter(school=school, year=year).exists():
        raise ValidationError(
            {"year": ValidationError(
                _("%(scope)s already has a plan for %(year)s."), code="plan_exists",
                params={"scope": school.name if school else _("The organisation"), "year": year})})
    return ActionPlan.objects.create(organisation=organisation, school=school, year=year, summary=summary,
                                     created_by=created_by)


@dataclass(frozen=True)
class FindingReference:
    """A result cell, as "create action from this" hands it over: a release and a cell key."""

    release_id: int
    cell_key: str
    description: str = ""


def _resolve_findings(findings: Sequence[FindingReference]) -> tuple[list[tuple[object, str]], list[ValidationError]]:
    """Each finding's result cell (of a released survey of this organisation) and its words: the
    lead's own, or the cell's label when they wrote none."""
    resolved, errors = [], []
    for finding in findings:
        cell = measures.finding_cell(release_id=finding.release_id, cell_key=finding.cell_key)
        if cell is None:
            errors.append(ValidationError(_("This survey finding cannot be found."), code="finding_unknown"))
            continue
        description = (finding.description or "").strip() or measures.cell_label(cell)
        resolved.append((cell, description[:300]))
    return resolved, errors


def _objective_errors(plan: ActionPlan, objectives: Iterable[Objective]) -> list[ValidationError]:
    """A school's action may serve its school's objectives or the organisation's; the
    organisation's actions serve the organisation's objectives."""
    return [
        ValidationError(_("“%(objective)s” belongs to another school."), code="objective_scope",
                        params={"objective": objective.title})
        for objective in objectives
        if objective.school_id is not None and objective.school_id != plan.school_id
    ]


def _date_errors(start_date, due_date) -> dict[str, list[ValidationError]]:
    if due_date is None:
        return {"due_date": [ValidationError(_("Enter the date the action is due."), code="required")]}
    if start_date is not None and start_date > due_date:
        return {"due_date": [ValidationError(_("The due date must be on or after the start date."),
                                             code="due_before_start")]}
    return {}


def _set_links(action: Action, through, field: str, targets: Iterable) -> None:
    """Make the action's links (objectives or commitments) exactly `targets`."""
    wanted = {target.pk for target in targets}
    links = through.objects.filter(action=action)
    links.exclude(**{f"{field}_id__in": wanted}).delete()
    have = set(links.values_list(f"{field}_id", flat=True))
    through.objects.bulk_create(
        [through(organisation_id=action.organisation_id, action=action, **{f"{field}_id": pk})
         for pk in sorted(wanted - have)]
    )


@transaction.atomic
def action_create(*, plan: ActionPlan, title: str, level: str, area: str, due_date: datetime.date,
                  description: str = "", owner=None, start_date: datetime.date | None = None,
                  status: str = Action.Status.PLANNED, objectives: Iterable[Objective] = (),
                  commitments: Iterable = (), findings: Sequence[FindingReference] = (), created_by) -> Action:
    """A new action in a plan, with the objectives it serves, the charter commitments it helps
    keep and the survey findings that prompted it ("create action from this")."""
    objectives = list(objectives)
    findings, finding_errors = _resolve_findings(findings)
    errors = _date_errors(start_date, due_date)
    if not (title or "").strip():
        errors["title"] = [ValidationError(_("Give the action a short title."), code="required")]
    if level not in Action.Level.values:
        errors["level"] = [ValidationError(_("Choose the level the action works at."), code="required")]
    if area not in dict(Action._meta.get_field("area").choices):
        errors["area"] = [ValidationError(_("Choose the wellbeing area."), code="required")]
    if objective_errors := _objective_errors(plan, objectives):
        errors["objectives"] = objective_errors
    if finding_errors:
        errors["finding_description"] = finding_errors
    if errors:
        raise ValidationError(errors)

    action = Action.objects.create(
        organisation_id=plan.organisation_id, plan=plan, title=title.strip(), description=description,
        level=level, area=area, owner=owner, start_date=start_date, due_date=due_date, status=status,
        created_by=created_by,
    )
    _set_links(action, ActionObjective, "objective", objectives)
    _set_links(action, ActionCommitment, "commitment", commitments)
    for cell, description in findings:
        ActionFinding.objects.get_or_create(
            action=action, cell=cell, defaults={"organisation_id": action.organisation_id, "description": description},
        )
    note = "; ".join(description for _cell, description in findings)
    history.record(
        instance=action, kind=ChangeRecord.Kind.CREATED, user=created_by,
        changes=history.differences({}, history.snapshot(action, TRACKED_FIELDS)),
        note=_("Prompted by: %(findings)s") % {"findings": note} if note else "",
    )
    return action


@transaction.atomic
def action_update(*, action: Action, by, **changes) -> Action:
    """Change an action (`EDITABLE_FIELDS`; `objectives` and `commitments` are the whole new
    lists). The change is written to the action's history: who, when, each field's old and new
    value."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"action_update cannot change {sorted(unknown)}")
    action = Action.objects.select_for_update().select_related("plan").get(pk=action.pk)
    before = history.snapshot(action, TRACKED_FIELDS)
    objectives = changes.pop("objectives", None)
    commitments = changes.pop("commitments", None)
    for name, value in changes.items():
        setattr(action, name, value.strip() if isinstance(value, str) else value)
    errors = _date_errors(action.start_date, action.due_date)
    if not action.title:
        errors["title"] = [ValidationError(_("Give the action a short title."), code="required")]
    if action.status not in Action.Status.values:
        errors["status"] = [ValidationError(_("Choose a status."), code="required")]
    if objectives is not None:
        objectives = list(objectives)
        if objective_errors := _objective_errors(action.plan, objectives):
            errors["objectives"] = objective_errors
    if errors:
        raise ValidationError(errors)
    if "due_date" in changes and action.due_date != datetime.date.fromisoformat(before["due_date"]):
        action.last_reminded_on = None  # a new due date starts the reminders afresh
    action.save()
    if objectives is not None:
        _set_links(action, ActionObjective, "objective", objectives)
    if commitments is not None:
        _set_links(action, ActionCommitment, "commitment", commitments)
    changed = history.differences(before, history.snapshot(action, TRACKED_FIELDS))
    if changed:
        history.record(instance=action, kind=ChangeRecord.Kind.CHANGED, user=by, changes=changed)
    return action


def _delete_stored(files: Iterable[Evidence]) -> None:
    for evidence in files:
        name = evidence.file.name
        if name:
            try:
                evidence.file.storage.delete(name)
            except OSError:
                logger.exception("Could not remove an evidence file after a failed update")


@transaction.atomic
def progress_update_add(*, action: Action, date: datetime.date, note: str, files: Sequence = (),
                        status: str | None = None, author, today: datetime.date | None = None) -> ProgressUpdate:
    """A dated note on an action's progress, with evidence files, and optionally its new status.

    Every file is checked (size, and type by content) before anything is written: one wrong file
    refuses the whole update, and nothing of it is kept, on disk or in the database."""
    today = today or timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}
    if date is None:
        errors["date"] = [ValidationError(_("Enter the date of the update."), code="required")]
    elif date > today:
        errors["date"] = [ValidationError(_("The date of an update cannot be in the future."), code="future")]
    if not (note or "").strip():
        errors["note"] = [ValidationError(_("Write what happened."), code="required")]
    if status and status not in Action.Status.values:
        errors["status"] = [ValidationError(_("Choose a status."), code="required")]
    files = list(files)
    if len(files) > MAX_FILES_PER_UPDATE:
        errors["files"] = [ValidationError(_("Attach %(max)s files at most to one update."), code="too_many",
                                           params={"max": MAX_FILES_PER_UPDATE})]
    else:
        kinds = []
        for upload in files:
            try:
                kinds.append(check_evidence(upload))
            except ValidationError as error:
                errors.setdefault("files", []).append(error)
    if errors:
        raise ValidationError(errors)

    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            update = ProgressUpdate.objects.create(
                organisation_id=action.organisation_id, action=action, date=date, note=note.strip(), author=author
            )
            for upload, kind in zip(files, kinds, strict=True):
                evidence = Evidence(
                    organisation_id=action.organisation_id, update=update,
                    original_name=PurePath(upload.name).name[:255], extension=kind.extension,
                    content_type=kind.content_type, size=upload.size,
                )
                stored.append(evidence)
                evidence.file.save("evidence", upload, save=False)
                evidence.save()
            if status and status != action.status:
                action_update(action=action, by=author, status=status)
    except Exception:
        _delete_stored(stored)
        raise
    return update


def evidence_open(*, evidence: Evidence):
    """The stored file, opened for reading (the caller closes it)."""
    return evidence.file.storage.open(evidence.file.name, "rb")


# --- Overdue actions ---------------------------------------------------------------------------
def overdue_reminders_send(*, today: datetime.date | None = None) -> int:
    """Email each owner of overdue actions (open, due before today) one message listing them;
    an action is mentioned again only after REMIND_EVERY_DAYS. Returns the number of emails.
    Each owner's email and its marks succeed or fail together (a savepoint): a failure leaves
    that owner for the next run and keeps the others."""
    today = today or timezone.localdate()
    by_owner = defaultdict(list)
    for action in overdue_actions_to_remind(today=today, remind_every=REMIND_EVERY_DAYS):
        by_owner[action.owner].append(action)
    sent = 0
    for owner, actions in by_owner.items():
        if not owner.email or not owner.is_active:
            continue
        try:
            with transaction.atomic():
                Action.objects.filter(pk__in=[a.pk for a in actions]).update(last_reminded_on=today)
                _overdue_email(owner=owner, actions=actions, today=today).send()
        except Exception:
            logger.exception("Overdue reminder to one owner failed (organisation %s)", actions[0].organisation_id)
            continue
        sent += 1
    return sent


def _overdue_email(*, owner, actions: list[Action], today: datetime.date) -> EmailMessage:
    organisation = Organisation.objects.get(pk=actions[0].organisation_id)
    base = settings.SITE_URL.rstrip("/")
    with translation.override(organisation.default_language):
        context = {
            "owner": owner,
            "organisation": organisation,
            "actions": [
                {"action": action, "days": (today - action.due_date).days,
                 "url": base + reverse("actionplans:action", kwargs={"org": organisation.slug,
                                                                     "action_id": action.pk})}
                for action in actions
            ],
        }
        subject = render_to_string("actionplans/email/overdue_subject.txt", context).strip()
        body = render_to_string("actionplans/email/overdue_message.txt", context)
    return EmailMessage(subject=subject, body=body, to=[owner.email])
