"""SMART objectives: the list, one objective with its readings and history, setting, changing,
and entering a reading of a series."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, selectors, services
from ..forms import ObjectiveEditForm, ObjectiveForm, ReadingForm
from ..models import Objective
from ..trajectory import expected_value
from . import add_service_errors, plan_manager, plan_reader, schools_managed


@require_GET
@plan_reader
def objective_list(request, org):
    objectives = selectors.objectives_visible_to(access=request.access)
    return render(request, "actionplans/objective_list.html", {
        "objectives": objectives,
        "can_manage": permissions.can_manage_any(request.access),
    })


@require_http_methods(["GET", "POST"])
@plan_manager
def objective_new(request, org):
    access = request.access
    form = ObjectiveForm(request.POST or None, schools=schools_managed(access),
                         organisation=access.can_lead_organisation, owners=selectors.owner_choices(),
                         initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        permissions.require(permissions.can_manage_scope(access, getattr(arguments["school"], "pk", None)))
        try:
            objective = services.objective_create(organisation=request.organisation, created_by=request.user,
                                                  **arguments)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:objective", org=org, objective_id=objective.pk)
    return render(request, "actionplans/objective_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _visible_objective(request, objective_id) -> Objective:
    return get_object_or_404(selectors.objectives_visible_to(access=request.access), pk=objective_id)


@require_GET
@plan_reader
def objective_detail(request, org, objective_id):
    objective = _visible_objective(request, objective_id)
    expected = None
    if objective.baseline_value is not None and objective.current_as_of:
        expected = expected_value(baseline=objective.baseline_value, baseline_date=objective.baseline_date,
                                  target=objective.target_value, target_date=objective.target_date,
                                  on=objective.current_as_of).quantize(Decimal("0.1"))
    actions = selectors.actions_visible_to(access=request.access).filter(objectives=objective).distinct()
    return render(request, "actionplans/objective_detail.html", {
        "objective": objective,
        "expected": expected,
        "readings": selectors.objective_readings(objective=objective),
        "actions": actions,
        "history": selectors.history_of(instance=objective),
        "can_manage": permissions.can_manage_scope(request.access, objective.school_id),
    })


@require_http_methods(["GET", "POST"])
@plan_reader
def objective_edit(request, org, objective_id):
    objective = _visible_objective(request, objective_id)
    permissions.require(permissions.can_manage_scope(request.access, objective.school_id))
    initial = {name: getattr(objective, name) for name in services.objectives.EDITABLE_FIELDS}
    form = ObjectiveEditForm(request.POST or None, objective=objective, owners=selectors.owner_choices(),
                             initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(objective=objective, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:objective", org=org, objective_id=objective.pk)
    return render(request, "actionplans/objective_edit.html", {"form": form, "objective": objective},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@plan_reader
def reading_new(request, org, objective_id):
    objective = _visible_objective(request, objective_id)
    permissions.require(permissions.can_manage_scope(request.access, objective.school_id))
    permissions.require(not objective.is_survey_measure)
    form = ReadingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_record_reading(objective=objective, entered_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:objective", org=org, objective_id=objective.pk)
    return render(request, "actionplans/reading_form.html", {
        "form": form, "objective": objective, "title": _("Add a reading"),
    }, status=400 if form.errors else 200)
