"""Organisation administration pages: the staff roster (list, upload, import result, export)
and the schools it refers to. Organisation admins only; anyone else gets a 404."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from . import roster, services
from .forms import RosterFilterForm, RosterUploadForm, SchoolForm
from .models import RosterImport, School, StaffMember
from .permissions import require
from .selectors import (
    roster_import_progress,
    roster_imports_recent,
    schools_in_organisation,
    schools_with_roster_counts,
    staff_on_roster,
)

ROSTER_PAGE_SIZE = 50
# While a worker imports, pages without JavaScript reload themselves this often (seconds).
PROGRESS_REFRESH_SECONDS = 2


def organisation_admin(view):
    @functools.wraps(view)
    def admin_view(request, *args, **kwargs):
        require(request.access.can_administer)
        return view(request, *args, **kwargs)

    return admin_view


# --- Roster ---------------------------------------------------------------------------------
@require_GET
@organisation_admin
def roster_list(request, org):
    """The people on the roster, by school and status, with the latest imports."""
    filter_form = RosterFilterForm(request.GET or None, schools=schools_in_organisation())
    filters = filter_form.filters()
    page = Paginator(staff_on_roster(**filters), ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tenancy/roster_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "imports": roster_imports_recent(),
            "has_schools": School.objects.exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@organisation_admin
def roster_upload(request, org):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = services.roster_import_start(
                organisation=request.organisation, uploaded_by=request.user, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("tenancy:roster_import", org=org, pk=roster_import.pk)
    return render(
        request,
        "tenancy/roster_upload.html",
        {
            "form": form,
            "schools": schools_in_organisation(),
            "columns": [roster.FIELD_LABELS[field] for field in roster.FIELDS],
            "job_categories": StaffMember.JobCategory.labels,
            "contracts": StaffMember.Contract.labels,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@organisation_admin
def roster_import_detail(request, org, pk):
    """What an import did: the changes, the table of problems, or its progress."""
    roster_import = get_object_or_404(RosterImport.objects.defer("rows"), pk=pk)
    progress = roster_import_progress(roster_import=roster_import)
    response = render(
        request,
        "tenancy/roster_import.html",
        {"roster_import": roster_import, "progress": progress, "refresh_seconds": PROGRESS_REFRESH_SECONDS},
    )
    if not progress.finished:
        response["Cache-Control"] = "no-store"
    return response


@require_GET
@organisation_admin
def roster_import_progress_fragment(request, org, pk):
    """The progress bar alone, polled by htmx; once finished, htmx loads the full result."""
    roster_import = get_object_or_404(RosterImport.objects.defer("rows"), pk=pk)
    progress = roster_import_progress(roster_import=roster_import)
    if progress.finished and request.htmx:
        return HttpResponseClientRedirect(reverse("tenancy:roster_import", kwargs={"org": org, "pk": pk}))
    response = render(
        request,
        "tenancy/roster_progress.html",
        {"roster_import": roster_import, "progress": progress},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@organisation_admin
def roster_export(request, org, file_format):
    """The roster as shown (same filters) in the upload format, so it can be edited and sent back."""
    filter_form = RosterFilterForm(request.GET or None, schools=schools_in_organisation())
    people = staff_on_roster(**filter_form.filters())
    header = [*(roster.FIELD_LABELS[field] for field in roster.FIELDS), _("Active"), _("Left on")]
    rows = (
        [
            person.email,
            person.name,
            person.school.name,
            person.get_job_category_display(),
            person.get_contract_display(),
            person.fte.normalize() if file_format == "xlsx" else format(person.fte.normalize(), "f"),
            person.start_year,
            _("Yes") if person.is_active else _("No"),
            person.left_on.isoformat() if person.left_on else "",
        ]
        for person in people.iterator(chunk_size=1000)
    )
    filename = f"roster-{request.organisation.slug}-{timezone.localdate().isoformat()}.{file_format}"
    if file_format == "xlsx":
        content = roster.write_xlsx(header, rows, title=_("Staff roster"))
        response = HttpResponse(content, content_type=roster.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(roster.write_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Schools ----------------------------------------------------------------------------------
@require_GET
@organisation_admin
def school_list(request, org):
    return render(request, "tenancy/school_list.html", {"schools": schools_with_roster_counts()})


@require_http_methods(["GET", "POST"])
@organisation_admin
def school_add(request, org):
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_create(organisation=request.organisation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(school)s was added.") % {"school": school.name})
            return redirect("tenancy:schools", org=org)
    return render(request, "tenancy/school_form.html", {"form": form, "school": None}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@organisation_admin
def school_edit(request, org, pk):
    school = get_object_or_404(School, pk=pk)
    initial = {"name": school.name, "phase": school.phase, "staff_count": school.staff_count}
    form = SchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(school=school, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(school)s was saved.") % {"school": school.name})
            return redirect("tenancy:schools", org=org)
    return render(request, "tenancy/school_form.html", {"form": form, "school": school}, status=400 if form.errors else 200)
