"""Board reports' pages: the list with the meeting calendar, a report's page (progress while it
is prepared), its online version and PDF, versions compared, and the leads' forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wellbeing.tenancy.models import School

from . import forms, permissions, selectors, services
from .models import BoardMeeting, BoardReport
from .permissions import require


def _report(request, report_id: int) -> BoardReport:
    report = get_object_or_404(BoardReport.objects.select_related("school", "meeting", "survey", "release"),
                               pk=report_id)
    require(permissions.can_read_scope(request.access, report.school_id))
    return report


def _board(request, value: str) -> School | None:
    """The school a form's "board" names (None: the trust board), if the person prepares it."""
    school = None
    if value != forms.TRUST_BOARD:
        school = School.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if school is None:
            raise Http404
    require(permissions.can_prepare(request.access, school.pk if school else None))
    return school


def _forms_context(request, *, meeting_form=None, generate_form=None) -> dict:
    access = request.access
    if not permissions.can_prepare_any(access):
        return {}
    schools = selectors.schools_preparable(access=access)
    trust_board = access.can_lead_organisation
    return {
        "meeting_form": meeting_form or forms.MeetingForm(schools=schools, trust_board=trust_board),
        "generate_form": generate_form or forms.GenerateForm(schools=schools, trust_board=trust_board),
    }


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET"])
def report_list(request, org):
    require(permissions.uses_reports(request.access))
    return render(request, "reports/list.html", {
        "reports": selectors.reports_visible_to(access=request.access),
        "meetings": selectors.meetings_visible_to(access=request.access),
        **_forms_context(request),
    })


@require_http_methods(["POST"])
def report_generate(request, org):
    require(permissions.can_prepare_any(request.access))
    schools = selectors.schools_preparable(access=request.access)
    form = forms.GenerateForm(request.POST, schools=schools, trust_board=request.access.can_lead_organisation)
    if form.is_valid():
        school = _board(request, form.cleaned_data["board"])
        try:
            report = services.report_request(organisation=request.organisation, school=school,
                                             requested_by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("reports:report", org=org, report_id=report.pk)
    return render(request, "reports/list.html", {
        "reports": selectors.reports_visible_to(access=request.access),
        "meetings": selectors.meetings_visible_to(access=request.access),
        **_forms_context(request, generate_form=form),
    }, status=400)


@require_http_methods(["POST"])
def meeting_add(request, org):
    require(permissions.can_prepare_any(request.access))
    schools = selectors.schools_preparable(access=request.access)
    form = forms.MeetingForm(request.POST, schools=schools, trust_board=request.access.can_lead_organisation)
    if form.is_valid():
        school = _board(request, form.cleaned_data["board"])
        try:
            services.meeting_create(
                organisation=request.organisation, school=school, title=form.cleaned_data["title"],
                date=form.cleaned_data["date"], days_before=form.cleaned_data["days_before"],
                created_by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The meeting is in the calendar."))
            return redirect("reports:list", org=org)
    return render(request, "reports/list.html", {
        "reports": selectors.reports_visible_to(access=request.access),
        "meetings": selectors.meetings_visible_to(access=request.access),
        **_forms_context(request, meeting_form=form),
    }, status=400)


# The actions below change something only on POST; a GET (a followed link) finds the object
# first, so another organisation's id is a 404 like everywhere, then goes back to the page.
@require_http_methods(["GET", "POST"])
def meeting_generate(request, org, meeting_id: int):
    meeting = get_object_or_404(BoardMeeting.objects.select_related("school"), pk=meeting_id)
    require(permissions.can_read_scope(request.access, meeting.school_id))
    require(permissions.can_prepare(request.access, meeting.school_id))
    if request.method == "GET":
        return redirect("reports:list", org=org)
    try:
        report = services.report_request(organisation=request.organisation, school=meeting.school,
                                         meeting=meeting, requested_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:list", org=org)
    return redirect("reports:report", org=org, report_id=report.pk)


@require_http_methods(["GET"])
def report_detail(request, org, report_id: int):
    report = _report(request, report_id)
    versions = list(selectors.versions_of_scope(report=report))
    return render(request, "reports/report_page.html", {
        "report": report,
        "versions": versions,
        "other_versions": [v for v in versions if v.pk != report.pk and v.is_ready],
        "can_prepare": permissions.can_prepare(request.access, report.school_id),
    })


@require_http_methods(["GET"])
def report_progress(request, org, report_id: int):
    report = _report(request, report_id)
    return render(request, "reports/_progress.html", {"report": report})


@require_http_methods(["GET", "POST"])
def report_retry(request, org, report_id: int):
    report = _report(request, report_id)
    require(permissions.can_prepare(request.access, report.school_id))
    if request.method == "GET":
        return redirect("reports:report", org=org, report_id=report.pk)
    try:
        services.report_retry(report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("reports:report", org=org, report_id=report.pk)


@require_http_methods(["GET", "POST"])
def report_new_version(request, org, report_id: int):
    report = _report(request, report_id)
    require(permissions.can_prepare(request.access, report.school_id))
    if request.method == "GET":
        return redirect("reports:report", org=org, report_id=report.pk)
    try:
        new = services.report_request(organisation=request.organisation, school=report.school,
                                      survey=report.survey, meeting=report.meeting, requested_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:report", org=org, report_id=report.pk)
    return redirect("reports:report", org=org, report_id=new.pk)


def _ready(request, report_id: int) -> BoardReport:
    report = _report(request, report_id)
    if not report.is_ready:
        raise Http404
    return report


@require_http_methods(["GET"])
def report_online(request, org, report_id: int):
    """The stored HTML, exactly as it went into the PDF."""
    report = _ready(request, report_id)
    response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
    # The snapshot has no scripts and needs nothing from elsewhere.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


@require_http_methods(["GET"])
def report_pdf(request, org, report_id: int):
    report = _ready(request, report_id)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    name = f"staffwell-board-report-{report.pk}-v{report.version}.pdf"
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["X-Content-SHA256"] = report.sha256
    return response


@require_http_methods(["GET"])
def report_compare(request, org, report_id: int):
    report = _ready(request, report_id)
    other_id = request.GET.get("with", "")
    candidates = [v for v in selectors.versions_of_scope(report=report) if v.is_ready and v.pk != report.pk]
    other = next((v for v in candidates if str(v.pk) == other_id), None)
    rows = []
    if other is not None:
        before, after = sorted([report, other], key=lambda r: r.version)
        before = BoardReport.objects.get(pk=before.pk)
        after = BoardReport.objects.get(pk=after.pk)
        rows = selectors.report_compare(before=before, after=after)
    else:
        before = after = None
    return render(request, "reports/compare.html", {
        "report": report, "candidates": candidates, "other": other, "before": before, "after": after, "rows": rows,
    })
