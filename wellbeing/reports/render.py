"""From a report's document (compose.py) to HTML, and from HTML to a tagged PDF.

The HTML is rendered from the stored document alone, in the report's language, with the
results' chart module drawing the charts (pure functions: the same document gives the same
bytes). The same HTML is the online view and WeasyPrint's input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext

from surveys import charts
from surveys.charts import Value

HEATMAP_ROWS_PER_CHART = 24
# A large organisation (more places than this) gets the board's view: its own figures, the
# schools that differ significantly from the rest of it, summaries of the charter and objectives,
# and every school's figures in a compact appendix. Its full grids (200 schools x 14 areas drawn
# and then tabulated, 200 x 14 charter ratings) were dozens of pages nobody reads at a board
# meeting, and almost all of WeasyPrint's time: the cost of a PDF grows with its cells and the
# text drawn in its charts, not with its pages.
LARGE_ORGANISATION_PLACES = 24
# The heatmap of a large organisation: itself and the schools that differ most, on one page.
HEATMAP_STANDOUTS = 16
OBJECTIVES_LISTED = 40
ATTENTION = ("at_risk", "off_track", "not_met")
TREND_SERIES_PER_CHART = 4
# PDF/UA-1: tagged, with the document's language and title (WeasyPrint 66 supports it).
PDF_VARIANT = "pdf/ua-1"


def value(data: dict | None) -> Value:
    if data is None:
        return Value.hidden("no_results")
    data = dict(data)
    if data.get("distribution") is not None:
        data["distribution"] = tuple(data["distribution"])
    return Value(**data)


@dataclass(frozen=True)
class Shown:
    """A value as the report prints it: its text, and whether it is hidden."""

    text: str
    hidden: bool
    state: str


def shown(data: dict | None, k: int) -> Shown:
    v = value(data)
    return Shown(charts.value_text(v, k), v.is_hidden, v.state)


def _context(data: dict) -> dict:
    k = data["k"]
    summary = data["summary"]
    context = {"data": data, "k": k, "cover": data["cover"], "summary": summary,
               "hidden_footnote": charts.hidden_footnote(k)}
    context["overall"] = shown(summary["overall"]["value"], k) if summary["overall"]["value"] else None
    context["strengths"] = [{**h, "shown": shown(h["value"], k)} for h in summary["strengths"]]
    context["concerns"] = [{**h, "shown": shown(h["value"], k)} for h in summary["concerns"]]
    context["strengths_chart"] = charts.bar_chart(
        [(h["label"], value(h["value"])) for h in summary["strengths"]], title=gettext("Strengths"), k=k,
    ) if summary["strengths"] else None
    context["concerns_chart"] = charts.bar_chart(
        [(h["label"], value(h["value"])) for h in summary["concerns"]], title=gettext("Concerns"), k=k,
    ) if summary["concerns"] else None

    domains = data["domains"]
    context["domains_chart"] = charts.bar_chart(
        [(d["label"], value(d["value"])) for d in domains], title=gettext("Results by area"), k=k,
    ) if domains else None
    context["domain_rows"] = [
        {"label": d["label"], "value": shown(d["value"], k),
         "organisation": shown(d["organisation"], k) if d["organisation"] is not None else None}
        for d in domains
    ]

    heatmap = data.get("heatmap")
    if heatmap:
        context.update(_schools(heatmap, k))

    charter = data.get("charter")
    if charter and len(charter["places"]) > LARGE_ORGANISATION_PLACES:
        context.update(_charter_summary(charter))

    objectives = data["objectives"]
    if len(objectives) > OBJECTIVES_LISTED:
        # A board reads its own objectives and those needing attention; the others are in each
        # school's governors' report.
        listed = [o for o in objectives if o.get("organisation_wide") or o["status"] in ATTENTION]
        context["objectives_listed"] = listed
        context["objectives_not_listed"] = len(objectives) - len(listed)
    else:
        context["objectives_listed"] = objectives
        context["objectives_not_listed"] = 0

    trend = data["trend"]
    if len(trend["waves"]) > 1:
        series = trend["series"]
        context["trend_charts"] = [
            charts.trend_chart(
                [(s["label"], [value(v) for v in s["values"]]) for s in series[i:i + TREND_SERIES_PER_CHART]],
                # xgettext:no-python-format
                title=gettext("% favourable by wave"), k=k, waves=trend["waves"],
            )
            for i in range(0, len(series), TREND_SERIES_PER_CHART)
        ]
    context["trend_rows"] = [
        {"label": s["label"], "values": [shown(v, k) for v in s["values"]]} for s in trend["series"]
    ]
    return context


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else f"\u2212{-points}"


def _schools(heatmap: dict, k: int) -> dict:
    """The schools section: the heatmap (every place, or for a large organisation the places that
    differ most from the rest of it), the places that differ significantly, every place's row."""
    columns, places = heatmap["columns"], heatmap["rows"]
    standouts = []
    for index, row in enumerate(places):
        differences = row.get("differences") or [None] * len(columns)
        lower, higher = [], []
        for column, v, difference in zip(columns, row["values"], differences, strict=True):
            if difference is None:
                continue
            # Translators: one area where a school differs significantly from the rest of the
            # organisation, e.g. "Workload and demands 9% (−16)": the area, the school's %
            # favourable and its difference in points.
            text = gettext("%(area)s %(value)s (%(difference)s)") % {
                "area": column, "value": charts.value_text(value(v), k), "difference": _signed(difference)}
            (lower if difference < 0 else higher).append(text)
        if lower or higher:
            salience = (-(len(lower) + len(higher)), -sum(abs(d) for d in differences if d is not None), index)
            standouts.append({"label": row["label"], "lower": lower, "higher": higher, "index": index,
                              "salience": salience})
    large = len(places) > LARGE_ORGANISATION_PLACES
    if large:
        chosen = sorted(s["index"] for s in sorted(standouts, key=lambda s: s["salience"])[:HEATMAP_STANDOUTS])
        drawn = [heatmap["organisation"], *(places[i] for i in chosen)] if chosen else []
    else:
        drawn = [heatmap["organisation"], *places]
    parts = []
    for start in range(0, len(drawn), HEATMAP_ROWS_PER_CHART):
        chunk = drawn[start:start + HEATMAP_ROWS_PER_CHART]
        if large:
            # Translators: the heatmap of a large organisation's report shows the organisation's
            # own row and the n schools whose figures differ most from the rest of the organisation.
            title = ngettext("Heatmap of %% favourable: the organisation and the school that differs most "
                             "from the rest of the organisation",
                             "Heatmap of %% favourable: the organisation and the %(n)s schools that differ most "
                             "from the rest of the organisation", len(drawn) - 1) % {"n": len(drawn) - 1}
        else:
            title = gettext("Heatmap of %% favourable by school, part %(n)s of %(of)s") % {
                "n": start // HEATMAP_ROWS_PER_CHART + 1,
                "of": (len(drawn) + HEATMAP_ROWS_PER_CHART - 1) // HEATMAP_ROWS_PER_CHART}
        parts.append(charts.heatmap(
            [r["label"] for r in chunk], columns, [[value(v) for v in r["values"]] for r in chunk], title=title, k=k))
    return {
        "heatmap_charts": parts,
        "schools_large": large,
        "standouts": standouts,
        "school_rows": [
            {"label": r["label"], "respondents": r["respondents"], "cluster": r.get("cluster", ""),
             "values": [shown(v, k) for v in r["values"]]}
            for r in [heatmap["organisation"], *places]
        ],
    }


def _charter_summary(charter: dict) -> dict:
    """A large organisation's charter: how many places rate each commitment at each level."""
    rated = [place for place in charter["places"] if place["shown"]]
    return {
        "charter_large": True,
        "charter_signed_off": len(rated),
        "charter_not_signed_off": [place["label"] for place in charter["places"] if not place["shown"]],
        "charter_summary": [
            {"number": c["number"], "text": c["text"],
             "counts": [sum(1 for place in rated if place["levels"][i] == level["code"]) for level in charter["levels"]]}
            for i, c in enumerate(charter["commitments"])
        ],
    }


def render_html(data: dict) -> str:
    """The report's HTML document, from its stored document alone."""
    with translation.override(data.get("language") or settings.LANGUAGE_CODE):
        return render_to_string("reports/report.html", _context(data))


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    bookmarks: list[tuple[int, str]]


def render_pdf(html: str) -> RenderedPdf:
    """WeasyPrint's PDF of the report HTML: page numbers and running headers (CSS @page),
    bookmarks from the headings, tagged as PDF/UA-1, in the document's language."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    bookmarks: list[tuple[int, str]] = []

    def walk(tree, level):
        for label, _target, children, _state in tree:
            bookmarks.append((level, label))
            walk(children, level + 1)

    walk(document.make_bookmark_tree(), 1)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), bookmarks=bookmarks)
