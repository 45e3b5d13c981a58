"""Results dashboards: what a survey's current release says, drawn for the people allowed to see it.

Pages (mounted by wellbeing/urls.py under /o/<org>/results/, names in the "results" namespace):
`index` (surveys with released results), `organisation` (the organisation's dashboard), `school`
(one school's dashboard), `item` (drill-down to one item), `comments` (leads only).

Everything here reads result cells through surveys/results.py; nothing reads answers. Who sees
what is decided in surveys/permissions.py (`results_access`): anything a person may not see is a
404. A release never changes, so the drawn part of each page (charts and tables) is cached under
the release's id, the language and what the reader may see; a new release has a new id, so the
cache moves on by itself. Over that, the organisation, school and item pages are kept whole per
release, address, language and kind of reader (dashboard_pages.py): a view of a kept page runs
the permission checks against the person's roles and the organisation's published releases,
both remembered per process until they change (wellbeing/tenancy/access_cache.py), and
draws nothing: it needs no query at all.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wellbeing.tenancy import access_cache
from wellbeing.tenancy.context import current_organisation_id
from wellbeing.tenancy.models import School

from . import charts, dashboard_pages, permissions, selectors
from .hooks import cell_actions
from .models import (
    DemographicQuestion,
    Item,
    Release,
    ResponseCount,
    ResultCell,
    Survey,
    SurveyDemographicQuestion,
)
from .results import (
    item_drilldown,
    organisation_heatmap,
    place_results,
    question_cut,
    release_comments,
    release_domains,
    release_drivers,
    release_reliability,
    releases_published,
    survey_and_release_current,
    wave_releases,
)

logger = logging.getLogger(__name__)
Disclosure = ResultCell.Disclosure
CACHE_SECONDS = 7 * 24 * 3600  # a current release's drawings; a new release has new keys anyway
STRENGTHS = 5


# --- small pieces -----------------------------------------------------------------------------
def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _cached(key_parts: tuple, build):
    """The drawing under `key_parts`, built and stored on a miss. Without the cache (Redis down)
    the page is still drawn, only slower."""
    key = "results:" + hashlib.sha1(":".join(str(p) for p in key_parts).encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception:
        logger.exception("results cache unavailable")
        return build()
    if found is None:
        found = build()
        try:
            cache.set(key, found, CACHE_SECONDS)
        except Exception:
            logger.exception("results cache unavailable")
    return found


def _tag(release: Release) -> str:
    return _tag_of(release.pk, release.created_at)


def _tag_of(release_id: int, created_at) -> str:
    """A release in a cache key: its id and creation time (ids alone can come back after a
    database is restored or a test database recreated; the cache outlives both)."""
    return f"{release_id}@{created_at.timestamp()}"


def _chart_html(chart: charts.Chart, **extra) -> str:
    return render_to_string("surveys/results/_chart.html", {"chart": chart, **extra})


def _signed(points: float | None) -> str:
    if points is None:
        return ""
    value = round(points)
    return f"+{value}" if value > 0 else ("−" + str(-value) if value < 0 else "0")


def _wave_label(survey: Survey) -> str:
    return formats.date_format(survey.opens_at, "M Y")


@dataclass
class Row:
    """One measure's line in a results table: texts already made, the cell for hooks and tests."""

    label: str
    cell: ResultCell | None
    shown: str
    hidden: bool
    organisation: str = ""
    difference: str = ""
    difference_significant: bool = False
    change: str = ""
    change_significant: bool = False
    n: str = ""
    url: str = ""
    domain: str = ""


def _row(label: str, cell: ResultCell | None, k: int, *, organisation_cell=None, url: str = "") -> Row:
    value = charts.cell_value(cell)
    full = value.is_full
    return Row(
        label=label, cell=cell, shown=charts.value_text(value, k), hidden=value.is_hidden,
        organisation=charts.value_text(charts.cell_value(organisation_cell), k) if organisation_cell is not None else "",
        difference=_signed(cell.difference) if full else "",
        difference_significant=bool(full and cell.difference_significant),
        change=_signed(cell.change) if full else "",
        change_significant=bool(full and cell.change_significant),
        n=str(cell.n) if cell is not None and cell.n is not None and not value.is_hidden else "",
        url=url,
    )


ACTION_MARKER = re.compile(r"<!--sw-cell-actions:(.*?)-->")


def _action_cells(*row_lists) -> dict[str, ResultCell]:
    """The cells whose rows carry an action marker (escaped key -> cell)."""
    return {escape(row.cell.key): row.cell for rows in row_lists for row in rows
            if row.cell is not None and not row.hidden}


def _with_actions(request, body: str, cells: dict[str, ResultCell]) -> str:
    """Fill each row's marker in a drawn body with this person's cell actions (hooks.py)."""
    def links(match: re.Match) -> str:
        cell = cells.get(match.group(1))
        return "".join(
            format_html('<a class="govuk-link govuk-body-s govuk-!-display-block govuk-!-margin-0" href="{}" '
                        "data-cell-action>{}</a>", url, label)
            for label, url in (cell_actions.links(request, cell) if cell is not None and len(cell_actions) else [])
        )
    return mark_safe(ACTION_MARKER.sub(links, body))


def _survey_and_release(request, survey_id: int):
    results = permissions.results_access(access=request.access)
    survey, release = survey_and_release_current(survey_id=survey_id)
    if survey is None:
        raise Http404
    return results, survey, release


@dataclass(frozen=True)
class Frame:
    """What a page must know before it looks for its drawing, kept beside the drawings: the
    release's areas, the survey's demographic questions and schools, and the waves of its trend.
    Keyed by the current release: the earlier waves of a series are closed, and their final
    releases are built once, so the trend's releases do not change while this one is current."""

    domains: list
    questions: list
    school_ids: frozenset
    releases: list


def _frame(survey: Survey, release: Release) -> Frame:
    def build():
        return Frame(
            domains=release_domains(release=release),
            questions=[asked.question for asked in SurveyDemographicQuestion.objects.filter(survey=survey)
                       .select_related("question").order_by("order", "pk")],
            school_ids=frozenset(selectors.survey_school_ids(survey=survey)),
            releases=wave_releases(survey=survey),
        )
    return _cached(("frame", _tag(release)), build)


def _no_release(request, survey):
    return render(request, "surveys/results/no_release.html", {"survey": survey}, status=200)


def _release_info(release: Release) -> dict:
    return {
        "kind": release.get_kind_display(),
        "interim": release.kind == Release.Kind.INTERIM,
        "number": release.number,
        "published_on": release.published_on,
        "respondents": release.respondents,
        "cells_published": release.cells_published,
        "cells_banded": release.cells_banded,
        "cells_primary_suppressed": release.cells_primary_suppressed,
        "cells_complementary_suppressed": release.cells_complementary_suppressed,
    }


def _domain_param(request, domains):
    code = request.GET.get("area", "")
    chosen = next((d for d in domains if d.code == code), None)
    return chosen or (domains[0] if domains else None)


# --- trend ------------------------------------------------------------------------------------
def _trend(*, survey: Survey, releases: list[Release], domain, school: School | None, k: int, language: str):
    """A line chart of one area across waves (the school beside the organisation), and a heatmap
    of every area by wave for the place."""
    waves = [_wave_label(r.survey) for r in releases]
    org_by_wave, school_by_wave = [], []
    for release in releases:
        heat = organisation_heatmap(release=release)
        codes = [d.code for d in heat.domains]
        org_by_wave.append(dict(zip(codes, heat.organisation.cells, strict=True)))
        if school is not None:
            row = next((r for r in heat.rows if r.school is not None and r.school.pk == school.pk), None)
            if row is None:  # a small school: its cluster's row
                row = next((r for r in heat.rows if r.cluster is not None and school.pk in r.cluster.school_ids), None)
            school_by_wave.append(dict(zip(codes, row.cells, strict=True)) if row else {})
    name = domain.name_in(language)
    series = []
    if school is not None:
        series.append((school.name, [charts.cell_value(w.get(domain.code)) for w in school_by_wave]))
    series.append((_("Whole organisation"), [charts.cell_value(w.get(domain.code)) for w in org_by_wave]))
    line = charts.trend_chart(series, waves=waves, k=k,
                              title=_("%(area)s: %% favourable by wave") % {"area": name})
    domains = release_domains(release=releases[-1])
    place = school_by_wave if school is not None else org_by_wave
    every = charts.heatmap(
        [d.name_in(language) for d in domains], waves,
        [[charts.cell_value(w.get(d.code)) for w in place] for d in domains],
        title=_("Every area by wave: %(place)s") % {"place": school.name if school else _("whole organisation")}, k=k,
    )
    return {"line": _chart_html(line), "every": _chart_html(every), "waves": len(releases)}


# --- pages ------------------------------------------------------------------------------------
@require_GET
def index(request, org):
    """Surveys with released results, newest first, with the dashboards this person may open."""
    results = permissions.results_access(access=request.access)
    releases = list(releases_published().order_by("-survey__opens_at", "-survey_id"))
    entries = []
    for release in releases:
        school_ids = set(selectors.survey_school_ids(survey=release.survey))
        schools = School.objects.filter(pk__in=school_ids).order_by("name")
        if not results.all_schools:
            schools = schools.filter(pk__in=results.school_ids)
        entries.append({"release": release, "survey": release.survey, "schools": list(schools)})
    return render(request, "surveys/results/index.html", {"entries": entries, "results": results})


@require_GET
def organisation_dashboard(request, org, survey_id):
    results = permissions.results_access(access=request.access)
    current = _current(survey_id)

    def draw(drawing):
        _results, survey, release = _survey_and_release(request, survey_id)
        if release is None:
            drawing.canonical = False
            return _no_release(request, survey)
        drawing.canonical = current is not None and release.pk == current.release_id
        return _organisation_page(request, results, survey, release, drawing)

    if current is None:
        return draw(dashboard_pages.Drawing({}))
    return dashboard_pages.page(request, ("organisation", current.tag, current.title), params=("area",), draw=draw)


@dataclass(frozen=True)
class Current:
    """What a kept page is looked up by: the survey's published release (its tag) and the
    survey's title (which may change without a new release)."""

    release_id: int
    tag: str
    title: str


@dataclass(frozen=True)
class Published:
    """What every view of a kept page looks up in the organisation: each survey's published
    release and each school's name. Remembered per process until a release, survey or school
    of the organisation changes (dashboard_pages.py renews the organisation's token); one
    object shared by the process's requests, so only ever read."""

    current: dict[int, Current]
    school_names: dict[int, str]


def _published() -> Published:
    def read():
        releases = (Release.objects.filter(status=Release.Status.PUBLISHED)
                    .values_list("survey_id", "pk", "created_at", "survey__title"))
        return Published(
            current={survey_id: Current(release_id=pk, tag=_tag_of(pk, created_at), title=title)
                     for survey_id, pk, created_at, title in releases},
            school_names=dict(School.objects.values_list("pk", "name")),
        )
    return access_cache.organisation_fact(current_organisation_id(), "results-published", read, shared=True)


def _current(survey_id: int, published: Published | None = None) -> Current | None:
    """The survey's published release, with as little as a kept page needs; None when nothing
    is published or the survey is not this organisation's."""
    return (published or _published()).current.get(int(survey_id))


def _organisation_page(request, results, survey, release, drawing):
    k = survey.threshold
    language = _language()
    frame = _frame(survey, release)
    domains, releases = frame.domains, frame.releases
    area = _domain_param(request, domains)
    drawing.canonical = drawing.canonical and _chosen(request, "area", area)
    key = ("organisation", _tag(release), language, results.scope_key, area.code if area else "")

    def build():
        heat = organisation_heatmap(release=release)
        school_ids = frame.school_ids
        rows = [r for r in heat.rows if _place_visible(results, r)]
        # A small school's row holds only a pointer to its cluster: it is listed with the places
        # below ("in a cluster"), and its results are in the cluster's row of the chart.
        drawn_rows = [r for r in rows if not _in_cluster(r)]
        labels = [_("Whole organisation"), *(r.label for r in drawn_rows)]
        values = [[charts.cell_value(c) for c in heat.organisation.cells],
                  *([charts.cell_value(c) for c in r.cells] for r in drawn_rows)]
        heatmap_chart = charts.heatmap(labels, [d.name_in(language) for d in heat.domains], values, k=k,
                                       title=_("% favourable by school and area"))
        organisation = place_results(release=release)
        item_rows = [
            (item_result, domain_results.domain)
            for domain_results in organisation.domains for item_result in domain_results.items
        ]
        full = [(m, d) for m, d in item_rows if m.cell is not None and m.cell.disclosure == Disclosure.FULL]
        ranked = sorted(full, key=lambda md: (-md[0].cell.favourable_share, md[0].measure.order, md[0].measure.pk))
        strengths = [_item_row(m, d, k, language, survey) for m, d in ranked[:STRENGTHS]]
        concerns = [_item_row(m, d, k, language, survey) for m, d in reversed(ranked[-STRENGTHS:])] if len(
            ranked) > STRENGTHS else []
        domain_chart = charts.bar_chart(
            [(d.domain.name_in(language), charts.cell_value(d.result.cell)) for d in organisation.domains],
            title=_("Whole organisation: % favourable by area"), k=k)
        drivers = _drivers(release, language)
        reliability = [
            {"domain": r.domain.name_in(language), "alpha": r.alpha, "n": r.n, "flagged": r.flagged}
            for r in release_reliability(release=release)
        ]
        drawn = {
            "heatmap": _chart_html(heatmap_chart),
            "domains": _chart_html(domain_chart),
            "domain_rows": [_row(d.domain.name_in(language), d.result.cell, k) for d in organisation.domains],
            "places": _place_rows(rows, school_ids, survey, k, results),
            "total_rate": _rate(sum(_invited(survey).values()), release.respondents, k),
            "strengths": strengths,
            "concerns": concerns,
            "drivers": drivers,
            "reliability": reliability,
            "flagged_reliability": [r for r in reliability if r["flagged"]],
            "trend": _trend(survey=survey, releases=releases, domain=area, school=None, k=k, language=language)
            if area else None,
            "release": _release_info(release),
        }
        drawn["body"] = render_to_string("surveys/results/_organisation_body.html", {
            "survey": survey, "organisation": survey.organisation, "drawn": drawn, "k": k, "area": area,
            "area_options": [(d.code, d.name_in(language)) for d in domains], "keep": [],
        })
        drawn["action_cells"] = _action_cells(strengths, concerns)
        return drawn

    drawn = _cached(key, build)
    return render(request, "surveys/results/organisation.html", {
        "survey": survey, "drawn": drawn, "results": results, "k": k,
        "body": _with_actions(request, drawn["body"], drawn["action_cells"]), **drawing.context,
    })


def _chosen(request, param: str, choice) -> bool:
    """Whether the address's `param` is absent or names `choice` (the page kept for it is then
    the page of that choice; a made-up value is drawn, not kept)."""
    return param not in request.GET or (choice is not None and request.GET[param] == choice.code)


def _in_cluster(row) -> bool:
    return row.count is not None and row.count.suppression == ResultCell.Suppression.SMALL_SCHOOL


def _place_visible(results: permissions.ResultsAccess, row) -> bool:
    if results.all_schools:
        return True
    if row.school is not None:
        return results.can_read_school(row.school.pk)
    if row.cluster is not None:
        return bool(set(row.cluster.school_ids) & set(results.school_ids))
    return False


def _invited(survey: Survey) -> dict[int, int]:
    """Invitations sent per school (counts only)."""
    return dict(ResponseCount.objects.filter(survey=survey).values_list("school_id", "invited"))


def _rate(invited: int, respondents: int | None, k: int) -> dict:
    """A response rate, shown only where at least k were invited and at least k responded."""
    if respondents is None or invited < k or respondents < k:
        return {"shown": False}
    return {"shown": True, "invited": invited, "respondents": respondents,
            "rate": min(round(100 * respondents / invited), 100)}


def _place_rows(rows, school_ids, survey, k, results) -> list[dict]:
    invited = _invited(survey)
    places = []
    for row in rows:
        count = row.count
        respondents = count.respondents if count is not None and count.is_reportable else None
        if row.school is not None:
            rate = _rate(invited.get(row.school.pk, 0), respondents, k)
        else:
            rate = _rate(sum(invited.get(s, 0) for s in row.cluster.school_ids), respondents, k)
        places.append({
            "label": row.label, "school": row.school, "cluster": row.cluster, "rate": rate,
            "respondents": respondents,
            "count": charts.reason_text(count.suppression, k) if count is not None and not count.is_reportable else "",
            "link": row.school is not None and row.school.pk in school_ids,
        })
    return places


def _item_row(measure_result, domain, k, language, survey) -> Row:
    from django.urls import reverse

    item = measure_result.measure
    url = reverse("results:item", kwargs={"org": survey.organisation.slug, "survey_id": survey.pk, "item_id": item.pk})
    row = _row(item.text_in(language), measure_result.cell, k, organisation_cell=measure_result.organisation_cell,
               url=url)
    row.domain = domain.name_in(language)
    return row


def _drivers(release, language) -> list[dict]:
    by_outcome: dict[int, dict] = {}
    for driver in release_drivers(release=release):
        entry = by_outcome.setdefault(driver.outcome_id, {"outcome": driver.outcome.name_in(language), "rows": [],
                                                          "n": driver.n})
        entry["rows"].append((driver.domain.name_in(language), driver.importance))
    found = []
    for entry in by_outcome.values():
        chart = charts.driver_chart(entry["rows"], title=_("What matters most for “%(outcome)s”") % {
            "outcome": entry["outcome"]})
        found.append({"outcome": entry["outcome"], "n": entry["n"], "chart": _chart_html(chart)})
    return found


@require_GET
def school_dashboard(request, org, survey_id, school_id):
    results = permissions.results_access(access=request.access)
    school_id = int(school_id)
    published = _published()
    current = _current(survey_id, published)

    def draw(drawing):
        _results, survey, release = _survey_and_release(request, survey_id)
        if release is None:
            permissions.require_results_school(results=results, school_id=school_id,
                                               survey_school_ids=selectors.survey_school_ids(survey=survey))
            drawing.canonical = False
            return _no_release(request, survey)
        drawing.canonical = current is not None and release.pk == current.release_id
        school = get_object_or_404(School, pk=school_id)
        return _school_page(request, results, survey, release, school, drawing)

    if current is None:
        return draw(dashboard_pages.Drawing({}))
    # Checked on every view, kept page or not; that the school is one of the survey's is
    # checked when the page is drawn (a page is kept only once drawn).
    permissions.require(results.can_read_school(school_id))
    name = published.school_names.get(school_id)
    if name is None:
        raise Http404
    return dashboard_pages.page(request, ("school", current.tag, current.title, school_id, name),
                                params=("area", "cut"), draw=draw)


def _school_page(request, results, survey, release, school, drawing):
    frame = _frame(survey, release)
    permissions.require_results_school(results=results, school_id=school.pk, survey_school_ids=frame.school_ids)
    k = survey.threshold
    language = _language()
    domains, questions, releases = frame.domains, frame.questions, frame.releases
    area = _domain_param(request, domains)
    question = next((q for q in questions if q.code == request.GET.get("cut", "")), questions[0] if questions else None)
    drawing.canonical = drawing.canonical and _chosen(request, "area", area) and _chosen(request, "cut", question)
    key = ("school", _tag(release), language, school.pk, school.name, area.code if area else "",
           question.pk if question else "")

    def build():
        place = place_results(release=release, school=school)
        cluster = None
        count = place.count
        if count is not None and count.suppression == ResultCell.Suppression.SMALL_SCHOOL and place.cluster:
            cluster = place.cluster
            place = place_results(release=release, cluster=cluster)
        unreported = count is not None and count.suppression == ResultCell.Suppression.SMALL_SCHOOL and not cluster
        name = cluster.label if cluster else school.name
        domain_chart = charts.bar_chart(
            [(d.domain.name_in(language), charts.cell_value(d.result.cell)) for d in place.domains],
            title=_("%(place)s: %% favourable by area") % {"place": name}, k=k)
        compare = charts.heatmap(
            [name, _("Whole organisation")], [d.domain.name_in(language) for d in place.domains],
            [[charts.cell_value(d.result.cell) for d in place.domains],
             [charts.cell_value(d.result.organisation_cell) for d in place.domains]],
            title=_("%(place)s beside the whole organisation") % {"place": name}, k=k)
        sections = []
        for d in place.domains:
            item_rows = [_item_row(m, d.domain, k, language, survey) for m in d.items]
            sections.append({
                "domain": _row(d.domain.name_in(language), d.result.cell, k, organisation_cell=d.result.organisation_cell),
                "items": item_rows,
            })
        cut = None
        if question is not None and cluster is None:
            found = question_cut(release=release, question=question, school=school, language=language)
            if found.cut_off is not None or not found.rows:
                cut = {"cut_off": True, "question": question.text_in(language)}
            else:
                chart = charts.heatmap(
                    [g.label for g in found.rows], [m.name_in(language) for m in found.measures],
                    [[charts.cell_value(c) for c in g.cells] for g in found.rows],
                    title=_("%(place)s by “%(question)s”: %% favourable") % {"place": name,
                                                                           "question": question.text_in(language)},
                    k=k)
                cut = {"cut_off": False, "question": question.text_in(language), "chart": _chart_html(chart),
                       "groups": [(g.label, _row(g.label, g.count, k)) for g in found.rows]}
        count_cell = place.count
        respondents = count_cell.respondents if count_cell is not None and count_cell.is_reportable else None
        invited = _invited(survey)
        invited_here = sum(invited.get(s, 0) for s in cluster.school_ids) if cluster else invited.get(school.pk, 0)
        drawn = {
            "name": name,
            "cluster": cluster.label if cluster else "",
            "unreported": unreported,
            "domains": _chart_html(domain_chart),
            "compare": _chart_html(compare),
            "sections": sections,
            "cut": cut,
            "rate": _rate(invited_here, respondents, k),
            "respondents": respondents,
            "trend": _trend(survey=survey, releases=releases, domain=area, school=school, k=k, language=language)
            if area else None,
            "release": _release_info(release),
        }
        drawn["body"] = render_to_string("surveys/results/_school_body.html", {
            "survey": survey, "organisation": survey.organisation, "school": school, "drawn": drawn, "k": k,
            "area": area, "area_options": [(d.code, d.name_in(language)) for d in domains],
            "keep": [("cut", question.code)] if question else [],
            "questions": [(q.code, q.text_in(language)) for q in questions], "question": question,
        })
        drawn["action_cells"] = _action_cells(*(section["items"] for section in sections))
        return drawn

    drawn = _cached(key, build)
    return render(request, "surveys/results/school.html", {
        "survey": survey, "school": school, "drawn": drawn, "results": results, "k": k,
        "can_read_comments": results.can_read_comments(school.pk),
        "body": _with_actions(request, drawn["body"], drawn["action_cells"]), **drawing.context,
    })


@require_GET
def item_drilldown_page(request, org, survey_id, item_id):
    results, survey, release = _survey_and_release(request, survey_id)
    item = get_object_or_404(Item.objects.select_related("domain"), pk=item_id, instrument_id=survey.instrument_id)
    if release is None:
        return _no_release(request, survey)
    names = (survey.title, survey.organisation.slug, item.pk)
    return dashboard_pages.page(request, ("item", _tag(release), names),
                                draw=lambda drawing: _item_page(request, results, survey, release, item, drawing))


def _item_page(request, results, survey, release, item, drawing):
    k = survey.threshold
    language = _language()
    key = ("item", _tag(release), language, results.scope_key, item.pk)

    def build():
        drill = item_drilldown(release=release, item=item)
        labels = [label for _value, label in item.scale_labels]
        if item.reverse_scored:
            labels = list(reversed(labels))  # cells count flipped values: 1 is the least favourable
        text = item.text_in(language)
        distribution = charts.distribution_chart(
            charts.cell_value(drill.organisation), labels=[str(lb) for lb in labels], k=k,
            title=_("Whole organisation: how people answered “%(item)s”") % {"item": text})
        places = [c for c in drill.places if _cell_place_visible(results, c)]
        place_chart = charts.bar_chart(
            [(c.school.name if c.school_id else c.cluster.label, charts.cell_value(c)) for c in places],
            title=_("“%(item)s” by school") % {"item": text}, k=k) if places else None
        questions = {q.pk: q for q in DemographicQuestion.objects.filter(pk__in={c.demographic_1_id for c in drill.groups})}
        group_bars = []
        for cell in drill.groups:
            question = questions.get(cell.demographic_1_id)
            options = dict(question.options_in(language)) if question else {}
            group_bars.append((f"{question.text_in(language) if question else ''}: {options.get(cell.code_1, cell.code_1)}",
                               charts.cell_value(cell)))
        group_chart = charts.bar_chart(group_bars, title=_("“%(item)s” by group, whole organisation") % {"item": text},
                                       k=k) if group_bars else None
        organisation = _row(text, drill.organisation, k)
        drawn = {
            "text": text,
            "domain": item.domain.name_in(language),
            "reverse_scored": item.reverse_scored,
            "organisation": organisation,
            "full": drill.organisation is not None and drill.organisation.disclosure == Disclosure.FULL,
            "banded": drill.organisation is not None and drill.organisation.disclosure == Disclosure.BANDED,
            "distribution": _chart_html(distribution, open_table=True),
            "places": _chart_html(place_chart) if place_chart else "",
            "groups": _chart_html(group_chart) if group_chart else "",
            "mean": drill.organisation.mean if organisation.cell is not None and drill.organisation.disclosure == Disclosure.FULL else None,
            "ci": (drill.organisation.ci_low, drill.organisation.ci_high)
            if drill.organisation is not None and drill.organisation.disclosure == Disclosure.FULL else None,
        }
        drawn["body"] = render_to_string("surveys/results/_item_body.html", {
            "survey": survey, "organisation": survey.organisation, "item": item, "drawn": drawn, "k": k,
        })
        return drawn

    drawn = _cached(key, build)
    organisation_cell = drawn["organisation"].cell
    return render(request, "surveys/results/item.html", {
        "survey": survey, "item": item, "drawn": drawn, "results": results, "k": k, "body": drawn["body"],
        "actions": cell_actions.links(request, organisation_cell), **drawing.context,
    })


def _cell_place_visible(results, cell) -> bool:
    if results.all_schools:
        return True
    if cell.school_id:
        return results.can_read_school(cell.school_id)
    if cell.cluster_id:
        return bool(set(cell.cluster.school_ids) & set(results.school_ids))
    return False


@require_GET
def comments(request, org, survey_id):
    """Published comments: the organisation's for its leads, a school's for that school's lead."""
    results, survey, release = _survey_and_release(request, survey_id)
    if not results.any_comments:
        raise Http404
    school = None
    if request.GET.get("school"):
        try:
            school_id = int(request.GET["school"])
        except ValueError:
            raise Http404 from None
        permissions.require_results_comments(results=results, school_id=school_id)
        permissions.require_results_school(results=results, school_id=school_id,
                                           survey_school_ids=selectors.survey_school_ids(survey=survey))
        school = get_object_or_404(School, pk=school_id)
    elif not results.organisation_comments:
        # A school lead: their own school's comments (the first, when they lead several).
        own = sorted(results.comment_school_ids & set(selectors.survey_school_ids(survey=survey)))
        if not own:
            raise Http404
        school = get_object_or_404(School, pk=own[0])
    if release is None:
        return _no_release(request, survey)
    language = _language()
    found = list(release_comments(release=release, school=school))
    by_question: dict[int, dict] = {}
    for comment in found:
        by_question.setdefault(comment.question_id, {"question": comment.question.text_in(language), "comments": []})[
            "comments"].append(comment.text)
    return render(request, "surveys/results/comments.html", {
        "survey": survey, "school": school, "questions": list(by_question.values()), "count": len(found),
        "results": results,
    })
