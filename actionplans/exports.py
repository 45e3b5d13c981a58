"""A plan as a spreadsheet (CSV or Excel): one row per action.

The writers are the roster's (wellbeing.tenancy.roster): every text cell that a spreadsheet would
run as a formula ("=", "+", "-", "@"...) is written with a leading apostrophe, so an action called
"=HYPERLINK(...)" is shown as text, never evaluated.
"""

from __future__ import annotations

from django.utils.text import slugify
from django.utils.translation import gettext as _

from wellbeing.tenancy.roster import write_csv, write_xlsx

from .models import ActionPlan
from .selectors import plan_actions

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plan_rows(*, plan: ActionPlan) -> tuple[list[str], list[list]]:
    header = [
        _("Title"), _("Description"), _("Level"), _("Wellbeing area"), _("Owner"), _("Start date"),
        _("Due date"), _("Status"), _("Overdue"), _("Objectives"), _("Survey findings"), _("Latest update"),
    ]
    rows = []
    for action in plan_actions(plan=plan):
        updates = list(action.updates.all())
        latest = f"{updates[0].date.isoformat()}: {updates[0].note}" if updates else ""
        rows.append([
            action.title,
            action.description,
            action.get_level_display(),
            action.get_area_display(),
            (action.owner.full_name or action.owner.email) if action.owner else "",
            action.start_date.isoformat() if action.start_date else "",
            action.due_date.isoformat(),
            action.get_status_display(),
            _("Yes") if action.is_overdue else _("No"),
            "; ".join(objective.title for objective in action.objectives.all()),
            "; ".join(finding.description for finding in action.findings.all()),
            latest,
        ])
    return header, rows


def plan_file(*, plan: ActionPlan, file_format: str) -> tuple[bytes, str]:
    header, rows = plan_rows(plan=plan)
    if file_format == "xlsx":
        return write_xlsx(header, rows, title=_("Action plan")), CONTENT_TYPES["xlsx"]
    return write_csv(header, rows), CONTENT_TYPES["csv"]


def plan_filename(plan: ActionPlan, file_format: str) -> str:
    return f"action-plan-{slugify(plan.scope_name)}-{plan.year.replace('/', '-')}.{file_format}"
