"""Workload impact assessments: the register, one assessment, recording and changing one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from wellbeing.tenancy.models import StaffMember

from .. import permissions, selectors, services
from ..forms import ORGANISATION, AssessmentForm
from ..models import WorkloadAssessment
from . import add_service_errors, plan_manager, plan_reader, schools_managed


@require_GET
@plan_reader
def assessment_list(request, org):
    assessments = selectors.assessments_visible_to(access=request.access)
    return render(request, "actionplans/assessment_list.html", {
        "assessments": assessments,
        "categories": StaffMember.JobCategory.choices,
        "can_manage": permissions.can_manage_any(request.access),
    })


@require_http_methods(["GET", "POST"])
@plan_manager
def assessment_new(request, org):
    access = request.access
    form = AssessmentForm(request.POST or None, schools=schools_managed(access),
                          organisation=access.can_lead_organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        permissions.require(permissions.can_manage_scope(access, getattr(data["school"], "pk", None)))
        try:
            assessment = services.assessment_create(
                organisation=request.organisation, school=data["school"], title=data["title"],
                description=data["description"], affects=data["affects"], mitigations=data["mitigations"],
                minutes=form.minutes(), decision=data["decision"], decision_date=data["decision_date"],
                assessed_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:assessment", org=org, assessment_id=assessment.pk)
    return render(request, "actionplans/assessment_form.html", {"form": form}, status=400 if form.errors else 200)


def _visible_assessment(request, assessment_id) -> WorkloadAssessment:
    return get_object_or_404(selectors.assessments_visible_to(access=request.access), pk=assessment_id)


@require_GET
@plan_reader
def assessment_detail(request, org, assessment_id):
    assessment = _visible_assessment(request, assessment_id)
    return render(request, "actionplans/assessment_detail.html", {
        "assessment": assessment,
        "can_manage": permissions.can_manage_scope(request.access, assessment.school_id),
    })


@require_http_methods(["GET", "POST"])
@plan_reader
def assessment_edit(request, org, assessment_id):
    access = request.access
    assessment = _visible_assessment(request, assessment_id)
    permissions.require(permissions.can_manage_scope(access, assessment.school_id))
    initial = {
        "school": str(assessment.school_id or ORGANISATION), "title": assessment.title,
        "description": assessment.description, "affects": assessment.affects,
        "mitigations": assessment.mitigations, "decision": assessment.decision,
        "decision_date": assessment.decision_date,
        **{f"minutes_{impact.job_category}": impact.minutes_per_week for impact in assessment.impacts.all()},
    }
    form = AssessmentForm(request.POST or None, schools=schools_managed(access),
                          organisation=access.can_lead_organisation, initial=initial)
    form.fields["school"].disabled = True  # where a policy applies is part of what was assessed
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_update(
                assessment=assessment, title=data["title"], description=data["description"],
                affects=data["affects"], mitigations=data["mitigations"], minutes=form.minutes(),
                decision=data["decision"], decision_date=data["decision_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("actionplans:assessment", org=org, assessment_id=assessment.pk)
    return render(request, "actionplans/assessment_form.html", {"form": form, "assessment": assessment},
                  status=400 if form.errors else 200)
