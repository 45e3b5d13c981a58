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
from django.utils.translation import gettext

from surveys import charts
from surveys.charts import Value

HEATMAP_ROWS_PER_CHART = 24
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
        rows = [heatmap["organisation"], *heatmap["rows"]]
        parts = []
        for start in range(0, len(rows), HEATMAP_ROWS_PER_CHART):
            chunk = rows[start:start + HEATMAP_ROWS_PER_CHART]
            parts.append(charts.heatmap(
                [r["label"] for r in chunk], heatmap["columns"],
                [[value(v) for v in r["values"]] for r in chunk],
                title=gettext("Heatmap of %% favourable by school, part %(n)s of %(of)s") % {
                    "n": start // HEATMAP_ROWS_PER_CHART + 1,
                    "of": (len(rows) + HEATMAP_ROWS_PER_CHART - 1) // HEATMAP_ROWS_PER_CHART},
                k=k,
            ))
        context["heatmap_charts"] = parts
        context["school_rows"] = [
            {"label": r["label"], "respondents": r["respondents"], "cluster": r.get("cluster", ""),
             "values": [shown(v, k) for v in r["values"]]}
            for r in rows
        ]

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
