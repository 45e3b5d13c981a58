"""Reads for the reports' pages: lists narrowed by permissions.py, and comparing two versions.
(Composing a report's content is compose.py.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from surveys.charts import value_text
from wellbeing.tenancy.models import School
from wellbeing.tenancy.permissions import Access

from . import permissions, render
from .models import BoardMeeting, BoardReport


def reports_visible_to(*, access: Access) -> QuerySet[BoardReport]:
    return (
        BoardReport.objects.filter(permissions.scope_filter(access))
        .select_related("school", "meeting", "survey")
        .defer("data", "html", "pdf")
        .order_by("school__name", "-version")
    )


def meetings_visible_to(*, access: Access) -> QuerySet[BoardMeeting]:
    return BoardMeeting.objects.filter(permissions.scope_filter(access)).select_related("school").order_by("date", "pk")


def schools_preparable(*, access: Access) -> QuerySet[School]:
    schools = School.objects.filter(is_active=True).order_by("name")
    ids = permissions.preparable_school_ids(access)
    return schools if ids is None else schools.filter(pk__in=sorted(ids))


def versions_of_scope(*, report: BoardReport) -> QuerySet[BoardReport]:
    return BoardReport.objects.filter(school=report.school_id).defer("data", "html", "pdf").order_by("-version")


@dataclass(frozen=True)
class ComparedFigure:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _figures(data: dict) -> dict[str, str]:
    """The summary figures of a report's document, by label, as the report prints them."""
    k = data["k"]
    summary = data["summary"]
    figures: dict[str, str] = {}
    respondents = summary["respondents"]
    figures[_("People who answered")] = (str(respondents["respondents"]) if respondents["shown"]
                                         else _("fewer than %(k)s") % {"k": k})
    rate = summary["response_rate"]
    figures[_("Response rate")] = f"{rate['rate']}%" if rate["shown"] else _("not shown")
    if summary["overall"]["value"]:
        figures[_("Overall wellbeing")] = value_text(render.value(summary["overall"]["value"]), k)
    objectives = summary["objectives"]
    figures[_("Objectives met")] = str(objectives["met"])
    figures[_("Objectives at risk or off track")] = str(objectives["at_risk"])
    for domain in data["domains"]:
        figures[domain["label"]] = value_text(render.value(domain["value"]), k)
    actions = data["actions"]
    figures[_("Actions done")] = f"{actions['done']} / {actions['total']}"
    return figures


def report_compare(*, before: BoardReport, after: BoardReport) -> list[ComparedFigure]:
    """The summary figures of two ready versions side by side (same labels in either order)."""
    old, new = _figures(before.data), _figures(after.data)
    labels = list(new) + [label for label in old if label not in new]
    return [ComparedFigure(label, old.get(label, "—"), new.get(label, "—")) for label in labels]
