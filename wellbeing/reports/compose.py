"""Composing a board report: every figure of the report, as one plain JSON-able document.

The document is the report's snapshot: the HTML (and so the PDF) is rendered from it alone, so
what is stored fully determines what governors read. Survey figures come from the release's
result cells through surveys.results (never answers, never comments); a hidden cell is kept as
a hidden value with its reason, never as a number. Objectives, actions, the charter grid and
workload impact assessments come from their apps' models and selectors.

Call inside the organisation's scope, in the organisation's language (labels are stored as
text, translated once, here).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Max
from django.utils import formats
from django.utils.translation import gettext as _

from actionplans.models import Action, ActionPlan, Objective, WorkloadAssessment
from charters import selectors as charter_selectors
from charters.models import Rating, Review, ReviewPeriod
from surveys import results
from surveys.charts import Value, cell_value
from surveys.models import Release
from surveys.selectors import response_rate_rows, survey_school_ids
from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.models import Organisation, School, StaffMember

FORMAT = 1
OVERALL_DOMAIN = "personal-wellbeing"
HIGHLIGHTS = 3
CHANGES_SHOWN = 8
# With no previous report, workload impact assessments of the last year are listed.
WORKLOAD_LOOKBACK = datetime.timedelta(days=365)

Progress = Callable[[str, int], None]


def value_data(value: Value) -> dict:
    """A chart Value as JSON (surveys.charts.Value(**data) reads it back)."""
    # Flat fields: no need for asdict's deep copy (thousands of cells in a large trust's heatmap).
    data = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if data["distribution"] is not None:
        data["distribution"] = list(data["distribution"])
    return data


def cell_data(cell) -> dict:
    return value_data(cell_value(cell))


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return formats.number_format(value.normalize() if value == value.to_integral() else value, use_l10n=True)


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def compose(
    *, organisation: Organisation, school: School | None, release: Release, meeting=None,
    since: datetime.date | None = None, version: int = 1, progress: Progress | None = None,
    language: str = "en", today: datetime.date | None = None,
) -> dict:
    """The report's document for `school` (governors) or the organisation (`school` None,
    trustees), from `release` and the plan and charter data as they are now. `since` is the
    date of the scope's previous report (workload assessments decided after it are listed)."""
    step = progress or (lambda stage, percent: None)
    today = today or datetime.date.today()
    survey = release.survey
    k = survey.threshold
    place = _place(release, school)

    step("summary", 10)
    domains = results.release_domains(release=release)
    data: dict = {
        "format": FORMAT,
        "language": language,
        "k": k,
        "cover": {
            "organisation": organisation.name,
            "scope": "school" if school else "organisation",
            "scope_name": school.name if school else organisation.name,
            "meeting_title": meeting.title if meeting else "",
            "meeting_date": _date(meeting.date) if meeting else "",
            "survey": survey.title,
            "release": _("%(kind)s %(number)s, published %(date)s") % {
                "kind": release.get_kind_display(), "number": release.number, "date": _date(release.published_on)},
            "prepared_on": _date(today),
            "version": version,
        },
    }
    data["summary"] = _summary(release, school, place, k, language)
    step("results", 25)
    data["domains"] = _domains(place, domains, language, organisation_scope=school is None)
    data["heatmap"] = _heatmap(release, domains, language) if school is None else None
    step("trend", 40)
    data["trend"] = _trend(survey, school, domains, language)
    step("objectives", 50)
    objectives = _objectives_in_scope(school)
    data["objectives"] = _objectives(objectives, k)
    data["summary"]["objectives"] = _objective_counts(objectives)
    step("actions", 58)
    data["actions"] = _actions(school)
    step("charter", 66)
    data["charter"] = _charter(organisation, school, language)
    data["workload"] = _workload(school, since=since or (today - WORKLOAD_LOOKBACK))
    data["methodology"] = _methodology(release, k)
    return data


# --- the place --------------------------------------------------------------------------------
def _place(release: Release, school: School | None) -> results.PlaceResults:
    place = results.place_results(release=release, school=school)
    # A small school is reported inside its cluster: the governors read the cluster's figures.
    if school is not None and place.cluster is not None:
        return results.place_results(release=release, cluster=place.cluster)
    return place


def _count_data(cell) -> dict:
    if cell is not None and cell.is_reportable and cell.respondents is not None:
        return {"shown": True, "respondents": cell.respondents}
    return {"shown": False, "reason": cell.suppression if cell is not None else "no_results"}


def _summary(release, school, place: results.PlaceResults, k: int, language: str) -> dict:
    rows, total = response_rate_rows(survey=release.survey, school_ids=survey_school_ids(survey=release.survey))
    if school is not None:
        rate = next((row for row in rows if row["school"].pk == school.pk), {"shown": False})
    else:
        rate = total
    response = (
        {"shown": True, "invited": rate["invited"], "responded": rate["responded"], "rate": rate["rate"]}
        if rate.get("shown") and rate["invited"] > 0 and rate["responded"] >= k
        else {"shown": False}
    )
    overall = next((d for d in place.domains if d.domain.code == OVERALL_DOMAIN), None)
    if overall is None:
        overall = next((d for d in place.domains if d.domain.is_outcome), None)
    items = [
        (measure, result.cell)
        for domain in place.domains for result in domain.items
        for measure in [result.measure]
        if result.cell is not None and result.cell.disclosure == "full"
    ]
    strengths = sorted(items, key=lambda pair: (-pair[1].pct_favourable, pair[0].order, pair[0].pk))[:HIGHLIGHTS]
    concerns = sorted(items, key=lambda pair: (pair[1].pct_favourable, pair[0].order, pair[0].pk))[:HIGHLIGHTS]
    changes = []
    for domain in place.domains:
        for measure, cell in [(domain.domain, domain.result.cell)] + [(r.measure, r.cell) for r in domain.items]:
            if cell is None or not cell.change_significant or cell.change is None:
                continue
            changes.append({
                "label": _label(measure, language),
                "kind": "domain" if measure is domain.domain else "item",
                "change": round(cell.change),
                "now": cell.pct_favourable,
            })
    changes.sort(key=lambda c: (-abs(c["change"]), c["label"]))
    return {
        "place": place.cluster.label if place.cluster is not None else "",
        "respondents": _count_data(place.count),
        "response_rate": response,
        "overall": {
            "label": overall.domain.name_in(language) if overall else "",
            "value": cell_data(overall.result.cell) if overall else None,
        },
        "strengths": [_highlight(m, c, language) for m, c in strengths],
        "concerns": [_highlight(m, c, language) for m, c in concerns],
        "changes": changes[:CHANGES_SHOWN],
        "changes_more": max(len(changes) - CHANGES_SHOWN, 0),
    }


def _label(measure, language: str) -> str:
    return measure.text_in(language) if hasattr(measure, "text_in") else measure.name_in(language)


def _highlight(item, cell, language: str) -> dict:
    return {"label": item.text_in(language), "domain": item.domain.name_in(language),
            "value": cell_data(cell)}


def _domains(place: results.PlaceResults, domains, language: str, *, organisation_scope: bool) -> list[dict]:
    return [
        {
            "label": result.domain.name_in(language),
            "outcome": result.domain.is_outcome,
            "value": cell_data(result.result.cell),
            "organisation": None if organisation_scope else cell_data(result.result.organisation_cell),
        }
        for result in place.domains
    ]


def _heatmap(release: Release, domains, language: str) -> dict:
    heatmap = results.organisation_heatmap(release=release)

    def row(place: results.PlaceRow, label: str) -> dict:
        small = place.count is not None and place.count.suppression == "small_school"
        values = [
            value_data(Value.hidden("small_school")) if small else cell_data(cell) for cell in place.cells
        ]
        # Where the place differs significantly from the rest of the organisation (points of %
        # favourable, as released with a fully shown cell); None elsewhere.
        differences = [
            round(cell.difference) if not small and _differs(cell) else None for cell in place.cells
        ]
        return {"label": label, "respondents": _count_data(place.count), "values": values,
                "differences": differences,
                "cluster": place.count.cluster.label if small and place.count.cluster_id else ""}

    return {
        "columns": [domain.name_in(language) for domain in heatmap.domains],
        "organisation": row(heatmap.organisation, _("Whole organisation")),
        "rows": [row(place, place.label) for place in heatmap.rows],
    }


def _differs(cell) -> bool:
    return (cell is not None and cell.is_reportable and cell.disclosure == "full" and cell.difference is not None
            and bool(cell.difference_significant) and round(cell.difference) != 0)


def _trend(survey, school, domains, language: str) -> dict:
    releases = results.wave_releases(survey=survey)
    waves = [formats.date_format(release.survey.opens_at, "M Y") for release in releases]
    series = []
    for domain in domains:
        points = []
        for release in releases:
            measure = results.released_measure(release=release, school=school, domain=domain)
            points.append(cell_data(measure.cell) if measure.state != results.NO_RESULTS else
                          value_data(Value.hidden("no_results")))
        series.append({"label": domain.name_in(language), "values": points})
    return {"waves": waves, "titles": [release.survey.title for release in releases], "series": series}


# --- plans ------------------------------------------------------------------------------------
def _objectives_in_scope(school: School | None) -> list[Objective]:
    objectives = Objective.objects.select_related("school", "measure_item", "measure_domain")
    if school is not None:
        objectives = objectives.filter(school=school)
    return list(objectives.order_by("school__name", "target_date", "title", "pk"))


def _objectives(objectives: list[Objective], k: int) -> list[dict]:
    rows = []
    for objective in objectives:
        hidden = objective.status == Objective.Status.NOT_REPORTABLE
        rows.append({
            "title": objective.title,
            "scope": objective.school.name if objective.school_id else _("Whole organisation"),
            "organisation_wide": not objective.school_id,
            "measure": objective.measure_name,
            "unit": objective.unit,
            "baseline": _number(objective.baseline_value),
            "current": "" if hidden else _number(objective.current_value),
            "current_hidden": hidden,
            "current_as_of": _date(objective.current_as_of),
            "target": _number(objective.target_value),
            "target_date": _date(objective.target_date),
            "status": objective.status,
            "status_label": str(objective.get_status_display()),
        })
    return rows


def _objective_counts(objectives: list[Objective]) -> dict:
    counts = Counter(objective.status for objective in objectives)
    return {
        "total": len(objectives),
        "by_status": [
            {"status": status, "label": str(label), "count": counts.get(status, 0)}
            for status, label in Objective.Status.choices
        ],
        "met": counts.get(Objective.Status.MET, 0),
        "at_risk": counts.get(Objective.Status.AT_RISK, 0) + counts.get(Objective.Status.OFF_TRACK, 0),
    }


def _actions(school: School | None) -> dict:
    plans = ActionPlan.objects.all() if school is None else ActionPlan.objects.filter(school=school)
    year = plans.aggregate(year=Max("year"))["year"]
    actions = list(Action.objects.filter(plan__in=plans.filter(year=year)).only(
        "level", "area", "status", "due_date")) if year else []
    today = datetime.date.today()
    statuses = [(status, str(label)) for status, label in Action.Status.choices]

    def table(key: str, choices) -> list[dict]:
        rows = []
        for code, label in choices:
            mine = [action for action in actions if getattr(action, key) == code]
            if not mine:
                continue
            counts = Counter(action.status for action in mine)
            rows.append({
                "label": str(label),
                "counts": [counts.get(status, 0) for status, _label in statuses],
                "total": len(mine),
                "overdue": sum(1 for a in mine if a.status in Action.OPEN_STATUSES and a.due_date < today),
            })
        return rows

    done = sum(1 for action in actions if action.status == Action.Status.DONE)
    return {
        "year": year or "",
        "statuses": [label for _status, label in statuses],
        "total": len(actions),
        "done": done,
        "by_level": table("level", Action.Level.choices),
        "by_area": table("area", WellbeingArea.choices),
    }


# --- charter ----------------------------------------------------------------------------------
LEVEL_SHORT = {Rating.Level.NOT_STARTED: "·", Rating.Level.DEVELOPING: "D", Rating.Level.EMBEDDED: "E"}


def _charter(organisation: Organisation, school: School | None, language: str) -> dict | None:
    """The charter grid of the latest period with a signed-off review: the places (the
    organisation's own review first, then the schools by name, as the charter overview orders
    them; for a governors' report only their school) and each one's rating of each commitment.
    A board reads signed-off reviews only. The levels are read in one query: the overview's
    evidence and changes, one place at a time, are not printed here and cost a 200-school trust
    most of its composing time."""
    period = (
        ReviewPeriod.objects.filter(reviews__status=Review.Status.SIGNED_OFF)
        .order_by("-opens_on", "-id").select_related("version").first()
    )
    if period is None:
        return None
    commitments = charter_selectors.commitments_of(version=period.version)
    reviews = Review.objects.filter(period=period).select_related("school")
    reviews = reviews.filter(school=school) if school is not None else reviews
    reviews = sorted(reviews, key=lambda r: (r.school_id is not None, r.school.name if r.school_id else "", r.school_id or 0))
    signed_off = [review.pk for review in reviews if review.is_signed_off]
    levels_of: dict[int, dict[int, str]] = {review_id: {} for review_id in signed_off}
    for review_id, commitment_id, level in Rating.objects.filter(review_id__in=signed_off).values_list(
            "review_id", "commitment_id", "level"):
        levels_of[review_id][commitment_id] = level
    places = []
    for review in reviews:
        label = review.school.name if review.school_id else organisation.name
        if not review.is_signed_off:
            places.append({"label": label, "shown": False, "levels": []})
            continue
        levels = [levels_of[review.pk].get(c.pk, "") for c in commitments]
        places.append({"label": label, "shown": True, "levels": levels,
                       "counts": [levels.count(level) for level in Rating.Level.values]})
    return {
        "period": period.name,
        "levels": [{"code": code, "label": str(label), "short": LEVEL_SHORT[code]}
                   for code, label in Rating.Level.choices],
        "commitments": [
            {"number": n, "text": c.statement_in(language)} for n, c in enumerate(commitments, start=1)
        ],
        "places": places,
    }


# --- workload ---------------------------------------------------------------------------------
def _workload(school: School | None, *, since: datetime.date) -> list[dict]:
    assessments = WorkloadAssessment.objects.exclude(decision=WorkloadAssessment.Decision.PENDING).filter(
        decision_date__gt=since)
    if school is not None:
        assessments = assessments.filter(school__isnull=True) | assessments.filter(school=school)
    categories = dict(StaffMember.JobCategory.choices)
    return [
        {
            "title": assessment.title,
            "scope": assessment.school.name if assessment.school_id else _("Whole organisation"),
            "decision": str(assessment.get_decision_display()),
            "decision_date": _date(assessment.decision_date),
            "mitigations": assessment.mitigations,
            "impacts": [
                {"category": str(categories.get(impact.job_category, impact.job_category)),
                 "minutes": impact.minutes_per_week}
                for impact in assessment.impacts.order_by("id")
            ],
        }
        for assessment in assessments.select_related("school").order_by("decision_date", "id")
    ]


def _methodology(release: Release, k: int) -> dict:
    return {
        "k": k,
        "respondents": release.respondents,
        "published_on": _date(release.published_on),
        "kind": str(release.get_kind_display()),
    }
