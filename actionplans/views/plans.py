"""Action plans and actions: the plans page, one plan, its exports, actions (new, "create action
from this", change), progress updates with evidence, and evidence downloads."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import exports, measures, permissions, selectors, services
from ..forms import ActionForm, PlanForm, ProgressUpdateForm
from ..models import Action, ActionPlan
from . import add_service_errors, plan_manager, plan_reader, schools_managed


@require_GET
@plan_reader
def plan_index(request, org):
    """Every plan the person may read, newest year first, with the ways into the rest."""
    access = request.access
    return render(request, "actionplans/plan_index.html", {
        "plans": selectors.plans_visible_to(access=access),
        "can_manage": permissions.can_manage_any(access),
    })


@require_http_methods(["GET", "POST"])
@plan_manager
def plan_new(request, org):
    access = request.access
    form = PlanForm(request.POST or None, schools=schools_managed(access), organisation=access.can_lead_organisation)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        permissions.require(permissions.can_manage_scope(access, getattr(school, "pk", None)))
        try:
            plan = services.plan_create(organisation=request.organisation, school=school,
                                        year=form.cleaned_data["year"], summary=form.cleaned_data["summary"],
                                        created_by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:plan", org=org, plan_id=plan.pk)
    return render(request, "actionplans/plan_form.html", {"form": form}, status=400 if form.errors else 200)


def _visible_plan(request, plan_id) -> ActionPlan:
    return get_object_or_404(selectors.plans_visible_to(access=request.access), pk=plan_id)


@require_GET
@plan_reader
def plan_detail(request, org, plan_id):
    plan = _visible_plan(request, plan_id)
    actions = list(selectors.plan_actions(plan=plan))
    levels = [
        {"value": value, "label": label, "actions": [a for a in actions if a.level == value]}
        for value, label in Action.Level.choices
    ]
    return render(request, "actionplans/plan_detail.html", {
        "plan": plan,
        "levels": levels,
        "overdue": [action for action in actions if action.is_overdue],
        "can_manage": permissions.can_manage_scope(request.access, plan.school_id),
    })


@require_GET
@plan_reader
def plan_export(request, org, plan_id, file_format):
    plan = _visible_plan(request, plan_id)
    content, content_type = exports.plan_file(plan=plan, file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.plan_filename(plan, file_format)}"'
    return response


def _action_form(request, *, data=None, plan=None, action=None, initial=None, with_finding=False, editing=False):
    access = request.access
    plans = selectors.plans_manageable(access=access)
    objectives = (
        selectors.objectives_linkable(access=access, plan=plan) if plan is not None
        else selectors.objectives_visible_to(access=access)
    )
    return ActionForm(data, plans=plans, owners=selectors.owner_choices(), objectives=objectives,
                      commitments=selectors.commitments_linkable(action=action), with_finding=with_finding,
                      editing=editing, initial=initial or {})


@require_http_methods(["GET", "POST"])
@plan_manager
def action_new(request, org):
    """A new action. `?plan=` picks the plan (or `?school=`: that school's plan for this year);
    `?release=&cell=` (and optionally `&label=`) is "create action from this": the survey finding
    that prompts the action, filled in for the lead."""
    query = request.GET
    initial = {"owner": request.user.pk}
    plans = selectors.plans_manageable(access=request.access)
    plan = None
    with_finding = bool(query.get("release") or query.get("cell") or request.POST.get("release"))
    shown = None
    if with_finding:
        source = request.POST if request.method == "POST" else query
        release_id = source.get("release", "")
        cell = measures.finding_cell(release_id=int(release_id) if release_id.isdigit() else 0,
                                     cell_key=source.get("cell", "")[:300])
        if cell is not None and permissions.can_cite_cell(request.access, cell):
            shown = measures.cell_facts(cell)
        initial.update(release=query.get("release"), cell=query.get("cell", "")[:300],
                       finding_description=query.get("label", "")[:300])
    this_year = services.academic_year_of(timezone.localdate())
    if query.get("plan", "").isdigit():
        plan = plans.filter(pk=query["plan"]).first()
    elif query.get("school", "").isdigit():
        plan = plans.filter(school=query["school"], year=this_year).first()
    elif shown is not None:
        # The plan of the finding's school (or the organisation's), this year.
        plan = plans.filter(school=shown.school_id, year=this_year).first()
    if plan is not None:
        initial["plan"] = plan.pk
    form = _action_form(request, data=request.POST or None, plan=plan, initial=initial, with_finding=with_finding)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        finding = form.finding() if with_finding else None
        try:
            if with_finding and (finding is None or shown is None):
                raise ValidationError({"finding_description": ValidationError(
                    _("This survey finding cannot be found."), code="finding_unknown")})
            action = services.action_create(
                plan=data["plan"], title=data["title"], description=data["description"], level=data["level"],
                area=data["area"], owner=data["owner"], start_date=data["start_date"], due_date=data["due_date"],
                status=data["status"], objectives=data["objectives"], commitments=data.get("commitments", []),
                findings=[finding] if finding else [],
                created_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:action", org=org, action_id=action.pk)
    return render(request, "actionplans/action_form.html", {
        "form": form, "plan": plan, "with_finding": with_finding, "finding": shown,
    }, status=400 if form.errors else 200)


def _visible_action(request, action_id) -> Action:
    return get_object_or_404(selectors.actions_visible_to(access=request.access), pk=action_id)


@require_GET
@plan_reader
def action_detail(request, org, action_id):
    action = _visible_action(request, action_id)
    return render(request, "actionplans/action_detail.html", {
        "action": action,
        "objectives": selectors.objectives_visible_to(access=request.access).filter(actions=action),
        "findings": action.findings.select_related("cell"),
        "commitments": [commitment.statement_in(get_language() or "en")
                        for commitment in action.commitments.order_by("order", "id")],
        "updates": selectors.action_updates(action=action),
        "history": selectors.history_of(instance=action),
        "can_manage": permissions.can_manage_scope(request.access, action.plan.school_id),
    })


@require_http_methods(["GET", "POST"])
@plan_reader
def action_edit(request, org, action_id):
    action = _visible_action(request, action_id)
    permissions.require(permissions.can_manage_scope(request.access, action.plan.school_id))
    links = ("objectives", "commitments")
    initial = {name: getattr(action, name) for name in services.plans.EDITABLE_FIELDS if name not in links}
    initial.update({name: list(getattr(action, name).values_list("pk", flat=True)) for name in links})
    form = _action_form(request, data=request.POST or None, plan=action.plan, action=action, initial=initial,
                        editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:action", org=org, action_id=action.pk)
    return render(request, "actionplans/action_edit.html", {"form": form, "action": action},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@plan_reader
def update_new(request, org, action_id):
    action = _visible_action(request, action_id)
    permissions.require(permissions.can_manage_scope(request.access, action.plan.school_id))
    form = ProgressUpdateForm(request.POST or None, request.FILES or None, action=action)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.progress_update_add(action=action, date=data["date"], note=data["note"], files=data["files"],
                                         status=data["status"] or None, author=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:action", org=org, action_id=action.pk)
    return render(request, "actionplans/update_form.html", {"form": form, "action": action},
                  status=400 if form.errors else 200)


@require_GET
@plan_reader
def evidence_download(request, org, evidence_id):
    """An evidence file, to those who may read its action; always as a download (never shown
    inline, so a file cannot act as a page of this site)."""
    evidence = get_object_or_404(selectors.evidence_visible_to(access=request.access), pk=evidence_id)
    response = FileResponse(services.evidence_open(evidence=evidence), as_attachment=True,
                            filename=evidence.original_name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
