"""The trust view: schools x commitments for one review period, with the change since the
previous review and evidence flags; the same grid as CSV or XLSX."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wellbeing.tenancy import roster
from wellbeing.tenancy.permissions import require

from .. import selectors
from ..models import ReviewPeriod
from ..permissions import can_read_review, overview_scope


def _period(request) -> ReviewPeriod | None:
    periods = ReviewPeriod.objects.order_by("-opens_on", "-id")
    chosen = request.GET.get("period", "")
    if chosen.isdigit():
        period = periods.filter(pk=int(chosen)).select_related("version").first()
        if period is not None:
            return period
    return periods.select_related("version").first()


@require_http_methods(["GET"])
def overview(request, org):
    scope = overview_scope(request.access)
    require(scope is not None)
    period = _period(request)
    grid = (
        selectors.overview(period=period, scope=scope, organisation_name=request.organisation.name)
        if period
        else None
    )
    for column in grid.columns if grid else []:
        column.readable = column.review is not None and can_read_review(request.access, column.review)
    return render(request, "charters/overview.html", {
        "grid": grid,
        "periods": ReviewPeriod.objects.order_by("-opens_on", "-id"),
        "period": period,
        "language": get_language(),
    })


CHANGE_TEXT = {
    selectors.CHANGE_UP: lambda: _("Up"),
    selectors.CHANGE_DOWN: lambda: _("Down"),
    selectors.CHANGE_SAME: lambda: _("No change"),
}


def overview_rows(grid, language: str) -> tuple[list[str], list[list]]:
    """One row per school and commitment: what a governor's spreadsheet wants."""
    header = [
        _("Review period"), _("School"), _("Area"), _("Commitment"), _("Rating"), _("Previous rating"),
        _("Change"), _("Evidence items"), _("Evidence missing"), _("What is in place"), _("Signed off on"),
    ]
    rows = []
    for column_index, column in enumerate(grid.columns):
        if not column.shown:
            continue
        signed_off = column.review.signed_off_on.isoformat() if column.review and column.review.signed_off_on else ""
        for row in grid.rows:
            cell = row.cells[column_index]
            rows.append([
                grid.period.name,
                column.label,
                row.commitment.get_area_display(),
                row.commitment.statement_in(language),
                cell.rating.get_level_display() if cell.rating else _("Not rated"),
                cell.previous.get_level_display() if cell.previous else "",
                str(CHANGE_TEXT[cell.change]()) if cell.change else "",
                cell.evidence_count,
                _("Yes") if cell.flagged else _("No"),
                cell.rating.narrative if cell.rating else "",
                signed_off,
            ])
    return [str(h) for h in header], rows


@require_http_methods(["GET"])
def overview_export(request, org, file_format):
    scope = overview_scope(request.access)
    require(scope is not None)
    period = _period(request)
    require(period is not None)
    grid = selectors.overview(period=period, scope=scope, organisation_name=request.organisation.name)
    header, rows = overview_rows(grid, get_language())
    filename = f"charter-overview-{request.organisation.slug}-{timezone.localdate().isoformat()}.{file_format}"
    if file_format == "xlsx":
        response = HttpResponse(roster.write_xlsx(header, rows, title=_("Charter self-assessment")),
                                content_type=roster.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(roster.write_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
