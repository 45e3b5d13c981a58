"""The chart module: every chart of Staffwell, drawn once on the server as SVG.

Dashboards and board reports (wellbeing.reports) draw their charts here and nowhere else. The
functions are pure: they take plain data (labels and `Value`s), never a request, and make no
database query; the same input gives the same bytes, so a rendered chart can be cached for as long
as its release is current and a board report can snapshot it.

Public API
----------
* `Value` — what one result says: `Value.full(favourable, neutral, unfavourable, n=, distribution=)`,
  `Value.banded(low, high)`, `Value.hidden(reason)` (reason: "primary", "complementary",
  "small_school", "cut_off", "no_results"), or `cell_value(cell)` from a result cell (anything with
  the ResultCell attributes, or None for "no results").
* `Chart(title, svg, table)` — `svg` is safe markup (role="img", <title>, <desc>, values printed on
  the chart), `table` a `DataTable(caption, columns, rows)` of already formatted strings, to be
  rendered beside it (templates/surveys/results/_chart.html does both).
* `heatmap(rows, columns, values, *, title, k)` — places x measures, % favourable per cell.
* `bar_chart(bars, *, title, k)` — `bars` = [(label, Value)]: stacked favourable / neutral /
  unfavourable bars; a hidden value shows its reason ("fewer than k") instead of a bar.
* `trend_chart(series, *, title, k, waves=None)` — `series` = [(name, [Value per wave])] with
  `waves` the wave labels, or [(name, [(wave label, Value), ...])] without; a hidden wave leaves a
  gap in the line.
* `distribution_chart(value, *, labels, title, k)` — answers 1..5 as % of answers (FULL cells only;
  otherwise the chart says what is shown instead).
* `driver_chart(drivers, *, title)` — `drivers` = [(label, importance 0..1)].
* `value_text(value, k)` — the short text a Value reads as ("72%", "60–80 %", "fewer than 5").

Why hand-written SVG: the charts must work offline (WeasyPrint renders board packs without a
network), without JavaScript, with a text alternative and a data table, and must print their values
so that colour never carries meaning alone. Vega-Lite via altair/vl-convert was considered (STYLE.md)
but its SVG has no <title>/<desc> structure or role, embeds its own font handling and adds a large
native dependency; no maintained Django-ecosystem chart library offers accessible, deterministic SVG
offline. A few hundred lines of string building, every text escaped, are easier to keep right.

Anonymity: a hidden value never carries a number, so nothing here can draw one. "Fewer than k"
marks both primary and complementary suppression (saying which would tell a reader which hidden
groups have at least k people).
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .disclosure.rules import FavourableBand

FULL = "full"
BANDED = "banded"
HIDDEN = "hidden"

# Colours: text is #0b0c0c on light fills (contrast above 7:1); the favourable part of a bar is
# GOV.UK blue, neutral a mid grey, unfavourable orange (distinguishable with common colour-vision
# deficiencies; the printed values carry the meaning anyway).
INK = "#0b0c0c"
SECONDARY_INK = "#505a5f"
FAVOURABLE = "#1d70b8"
NEUTRAL = "#b1b4b6"
UNFAVOURABLE = "#f47738"
GRID = "#b1b4b6"
FONT = "font-family:Arial,Helvetica,sans-serif"
# Heatmap fills by % favourable, light enough for dark text: orange (low) .. grey .. blue (high).
HEAT_STEPS = ((40, "#f9d2b3"), (55, "#fce8d8"), (70, "#f3f2f1"), (85, "#d2e2f1"), (101, "#a9c9e8"))
SERIES_STYLES = (  # colour, dash pattern, marker: a series is told apart without colour too
    ("#1d70b8", "", "circle"),
    ("#0b0c0c", "6 3", "square"),
    ("#d4351c", "2 3", "triangle"),
    ("#00703c", "8 3 2 3", "diamond"),
    ("#4c2c92", "1 2", "circle"),
)


# --- data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Value:
    """One result as a chart may show it. `state` is "full" (the three percentages, optionally
    `n` and `distribution`), "banded" (`band_low`..`band_high` only) or "hidden" (`reason` only)."""

    state: str
    favourable: int | None = None
    neutral: int | None = None
    unfavourable: int | None = None
    band_low: int | None = None
    band_high: int | None = None
    reason: str = ""
    n: int | None = None
    distribution: tuple[int, ...] | None = None
    note: str = ""  # e.g. "significantly higher": printed in the table (and as a mark on charts)

    @classmethod
    def full(cls, favourable: int, neutral: int = 0, unfavourable: int = 0, *, n: int | None = None,
             distribution: Sequence[int] | None = None, note: str = "") -> Value:
        return cls(FULL, favourable=favourable, neutral=neutral, unfavourable=unfavourable, n=n,
                   distribution=tuple(distribution) if distribution is not None else None, note=note)

    @classmethod
    def banded(cls, low: int, high: int, *, n: int | None = None) -> Value:
        return cls(BANDED, band_low=low, band_high=high, n=n)

    @classmethod
    def hidden(cls, reason: str) -> Value:
        return cls(HIDDEN, reason=reason or "primary")

    @property
    def is_full(self) -> bool:
        return self.state == FULL

    @property
    def is_hidden(self) -> bool:
        return self.state == HIDDEN

    @property
    def level(self) -> float | None:
        """The value placed on a scale: % favourable, or the middle of a band."""
        if self.state == FULL:
            return float(self.favourable)
        if self.state == BANDED:
            return (self.band_low + self.band_high) / 2
        return None


def cell_value(cell, *, note: str = "") -> Value:
    """The Value of a result cell (a ResultCell or anything with its attributes; None: no
    results). Reads attributes only, no query."""
    if cell is None:
        return Value.hidden("no_results")
    if cell.disclosure == FULL:
        distribution = cell.distribution
        if isinstance(distribution, dict):
            distribution = [distribution.get(str(i), distribution.get(i, 0)) for i in range(1, 6)]
        return Value.full(cell.pct_favourable, cell.pct_neutral or 0, cell.pct_unfavourable or 0, n=cell.n,
                          distribution=distribution, note=note)
    if cell.disclosure == BANDED:
        return Value.banded(cell.favourable_band_low, cell.favourable_band_high, n=cell.n)
    return Value.hidden(cell.suppression)


def reason_text(reason: str, k: int) -> str:
    if reason in ("primary", "complementary", ""):
        return gettext("fewer than %(k)s") % {"k": k}
    if reason == "small_school":
        return gettext("in a cluster")
    if reason == "cut_off":
        return gettext("not shown for a school this size")
    return gettext("no results")


def value_text(value: Value, k: int) -> str:
    """What a value reads as, in a chart and in its table."""
    if value.state == FULL:
        return gettext("%(value)s%%") % {"value": value.favourable}
    if value.state == BANDED:
        return FavourableBand(value.band_low, value.band_high).label()
    return reason_text(value.reason, k)


def hidden_footnote(k: int) -> str:
    return gettext(
        "“Fewer than %(k)s” marks a result hidden to protect anonymity: fewer than %(k)s people answered, or "
        "showing it would let a smaller group's answers be worked out."
    ) % {"k": k}


@dataclass(frozen=True)
class DataTable:
    """The chart's data as a table: `columns` are the header cells (the first heads the row
    labels), each row's first string is its row header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    table: DataTable


# --- drawing helpers -------------------------------------------------------------------------
def _num(x: float) -> str:
    """Coordinates with at most one decimal, written the same way every time."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x, y, content, *, size=14, anchor="start", weight="normal", fill=INK, italic=False) -> str:
    style = ' font-style="italic"' if italic else ""
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f'{bold}{style}>{escape(content)}</text>')


def _rect(x, y, w, h, fill, *, stroke="", dash="", extra="") -> str:
    s = f' stroke="{stroke}"' if stroke else ""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{fill}"{s}{d}{extra}/>'


def _wrap(label: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(label, width=width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(width - 1, 1)].rstrip() + "…"
    return wrapped


def _svg(title: str, desc: str, width: float, height: float, body: Sequence[str], *, scales: bool = True) -> SafeString:
    ident = "chart-" + hashlib.sha1("\n".join([title, desc, *body]).encode()).hexdigest()[:12]
    style = "max-width:100%;height:auto" if scales else "max-width:none"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="app-chart__svg" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" style="{style};{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _heat_fill(level: float) -> str:
    for limit, colour in HEAT_STEPS:
        if level < limit:
            return colour
    return HEAT_STEPS[-1][1]


def _flag(note: str) -> str:
    return f" {note}" if note else ""


# --- heatmap ---------------------------------------------------------------------------------
def heatmap(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[Value]], *, title: str,
            k: int) -> Chart:
    """Places (rows) x measures (columns), each cell's % favourable printed in it, its fill a
    shade from orange (low) to blue (high); bands print the band, hidden cells their reason."""
    if len(values) != len(rows) or any(len(r) != len(columns) for r in values):
        raise ValueError("values must have one row per row label and one value per column")
    label_width, cell_width, head_height, row_height = 164, 84, 64, 34
    width = label_width + cell_width * len(columns) + 4
    height = head_height + row_height * len(rows) + 4
    body = []
    for j, column in enumerate(columns):
        x = label_width + j * cell_width + cell_width / 2
        for i, line in enumerate(_wrap(column, 11, 3)):
            body.append(_text(x, 16 + i * 15, line, size=12, anchor="middle", weight="bold"))
    for i, (row, row_values) in enumerate(zip(rows, values, strict=True)):
        y = head_height + i * row_height
        lines = _wrap(row, 21, 2)
        for n, line in enumerate(lines):
            body.append(_text(4, y + row_height / 2 + 5 + (n - (len(lines) - 1) / 2) * 14, line, size=13))
        for j, value in enumerate(row_values):
            x = label_width + j * cell_width
            text = value_text(value, k)
            if value.state == HIDDEN:
                body.append(_rect(x + 1, y + 1, cell_width - 2, row_height - 2, "#ffffff", stroke=GRID, dash="3 3"))
                for n, line in enumerate(_wrap(text, 12, 2)):
                    body.append(_text(x + cell_width / 2, y + 14 + n * 12, line, size=11, anchor="middle",
                                      fill=SECONDARY_INK, italic=True))
            else:
                body.append(_rect(x + 1, y + 1, cell_width - 2, row_height - 2, _heat_fill(value.level),
                                  stroke="#ffffff" if value.state == FULL else SECONDARY_INK,
                                  dash="" if value.state == FULL else "4 2"))
                body.append(_text(x + cell_width / 2, y + row_height / 2 + 5, text + _flag(value.note),
                                  size=14 if value.state == FULL else 12, anchor="middle",
                                  weight="bold" if value.state == FULL else "normal"))
    desc = gettext(
        "Percentage of favourable answers for %(rows)s places and %(columns)s measures; darker blue is higher, "
        "orange lower. Every value is printed in its cell and listed in the table."
    ) % {"rows": len(rows), "columns": len(columns)} + " " + hidden_footnote(k)
    table = DataTable(
        caption=title,
        columns=("", *columns),
        rows=tuple((row, *(value_text(v, k) + _flag(v.note) for v in row_values))
                   for row, row_values in zip(rows, values, strict=True)),
    )
    return Chart(title=title, svg=_svg(title, desc, width, height, body, scales=False), table=table)


# --- bars ------------------------------------------------------------------------------------
def bar_chart(bars: Sequence[tuple[str, Value]], *, title: str, k: int) -> Chart:
    """One stacked bar per label (favourable, neutral, unfavourable), label above its bar and
    % favourable printed after it; banded values show their band as an outlined range; hidden
    values show their reason in place of a bar. Fits a 360 px screen."""
    width, bar_left, bar_width, bar_height = 330, 4, 230, 18
    body, y = [], 8
    body += _legend(y, [(FAVOURABLE, gettext("favourable")), (NEUTRAL, gettext("neutral")),
                        (UNFAVOURABLE, gettext("unfavourable"))])
    y += 30
    for label, value in bars:
        for line in _wrap(label, 44, 3):
            body.append(_text(bar_left, y + 12, line, size=13))
            y += 16
        y += 2
        text = value_text(value, k)
        if value.state == FULL:
            x = bar_left
            for share, colour in ((value.favourable, FAVOURABLE), (value.neutral or 0, NEUTRAL),
                                  (value.unfavourable or 0, UNFAVOURABLE)):
                w = bar_width * share / 100
                if w > 0:
                    body.append(_rect(x, y, w, bar_height, colour))
                x += w
            body.append(_text(bar_left + bar_width + 6, y + 14, text + _flag(value.note), size=14, weight="bold"))
        elif value.state == BANDED:
            body.append(_rect(bar_left, y, bar_width, bar_height, "#ffffff", stroke=GRID))
            x0 = bar_left + bar_width * value.band_low / 100
            w = max(bar_width * (value.band_high - value.band_low) / 100, 3)
            body.append(_rect(x0, y + 3, w, bar_height - 6, "#d2e2f1", stroke=FAVOURABLE, dash="4 2"))
            body.append(_text(bar_left + bar_width + 6, y + 14, text, size=12))
        else:
            body.append(_text(bar_left, y + 14, text, size=13, fill=SECONDARY_INK, italic=True))
        y += bar_height + 12
    height = y + 4
    desc = gettext(
        "For each measure, a bar split into favourable, neutral and unfavourable answers, with the percentage "
        "favourable printed after it. A band is shown as a range."
    ) + " " + hidden_footnote(k)
    table = DataTable(
        caption=title,
        columns=("", gettext("% favourable"), gettext("% neutral"), gettext("% unfavourable"), gettext("Answers")),
        rows=tuple(_bar_row(label, value, k) for label, value in bars),
    )
    return Chart(title=title, svg=_svg(title, desc, width, height, body), table=table)


def _bar_row(label: str, value: Value, k: int) -> tuple[str, ...]:
    n = str(value.n) if value.n is not None and value.state != HIDDEN else ""
    if value.state == FULL:
        return (label, value_text(value, k) + _flag(value.note), f"{value.neutral}%", f"{value.unfavourable}%", n)
    return (label, value_text(value, k), "", "", n)


def _legend(y: float, entries: Sequence[tuple[str, str]]) -> list[str]:
    body, x = [], 4
    for colour, label in entries:
        body.append(_rect(x, y, 12, 12, colour))
        body.append(_text(x + 16, y + 11, label, size=12))
        x += 24 + 7 * len(label)
    return body


# --- trend -----------------------------------------------------------------------------------
def trend_chart(series: Sequence[tuple[str, Sequence]], *, title: str, k: int,
                waves: Sequence[str] | None = None) -> Chart:
    """% favourable by wave, one line per series (distinct colour, dash and marker, its name in the
    legend). A hidden wave leaves a gap; a band is drawn as a vertical range.

    Either give `waves` (the labels) and one Value per wave in each series, or leave `waves` out
    and give each series as (wave label, Value) pairs, all series over the same waves."""
    if waves is None:
        waves = [label for label, _value in (series[0][1] if series else [])]
        if any([label for label, _v in values] != list(waves) for _name, values in series):
            raise ValueError("every series needs the same waves")
        series = [(name, [value for _label, value in values]) for name, values in series]
    if any(len(values) != len(waves) for _, values in series):
        raise ValueError("every series needs one value per wave")
    left, top, plot_w, plot_h = 40, 14, 270, 160
    legend_rows = len(series)
    width = left + plot_w + 20
    height = top + plot_h + 50 + 18 * legend_rows
    body = []
    for level in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - level / 100)
        dotted = "" if level in (0, 100) else ' stroke-dasharray="2 3"'
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" stroke="{GRID}" '
                    f'stroke-width="1"{dotted}/>')
        body.append(_text(left - 4, y + 4, f"{level}%", size=11, anchor="end", fill=SECONDARY_INK))

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if len(waves) == 1 else 16 + (plot_w - 32) * i / (len(waves) - 1))

    for i, wave in enumerate(waves):
        for n, line in enumerate(_wrap(wave, 12, 2)):
            body.append(_text(x_of(i), top + plot_h + 22 + n * 13, line, size=11, anchor="middle"))
    label_values = len(series) <= 2
    for s, (_name, values) in enumerate(series):
        colour, dash, marker = SERIES_STYLES[s % len(SERIES_STYLES)]
        segment: list[str] = []
        segments = []
        for i, value in enumerate(values):
            if value.state == FULL:
                segment.append(f"{_num(x_of(i))},{_num(top + plot_h * (1 - value.favourable / 100))}")
            else:
                if segment:
                    segments.append(segment)
                segment = []
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                d = f' stroke-dasharray="{dash}"' if dash else ""
                body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5"{d}/>')
        for i, value in enumerate(values):
            x = x_of(i)
            if value.state == FULL:
                y = top + plot_h * (1 - value.favourable / 100)
                body.append(_marker(marker, x, y, colour))
                if label_values:
                    # Two series: the higher value is labelled above its point, the lower below.
                    others = [v.favourable for t, (_n, vs) in enumerate(series) if t != s
                              for v in (vs[i],) if v.state == FULL]
                    dy = 18 if any(o > value.favourable or (o == value.favourable and s > 0) for o in others) else -9
                    body.append(_text(x, y + dy, value_text(value, k) + _flag(value.note), size=12, anchor="middle",
                                      weight="bold"))
            elif value.state == BANDED:
                y1 = top + plot_h * (1 - value.band_high / 100)
                y2 = top + plot_h * (1 - value.band_low / 100)
                body.append(_rect(x - 4, y1, 8, max(y2 - y1, 2), "#ffffff", stroke=colour, dash="3 2"))
            elif label_values:
                body.append(_text(x, top + plot_h - 6 - 14 * s, value_text(value, k), size=10, anchor="middle",
                                  fill=SECONDARY_INK, italic=True))
    y = top + plot_h + 50
    for s, (name, _values) in enumerate(series):
        colour, dash, marker = SERIES_STYLES[s % len(SERIES_STYLES)]
        d = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<line x1="6" y1="{_num(y + s * 18 - 4)}" x2="34" y2="{_num(y + s * 18 - 4)}" stroke="{colour}" '
                    f'stroke-width="2.5"{d}/>')
        body.append(_marker(marker, 20, y + s * 18 - 4, colour))
        body.append(_text(42, y + s * 18, _wrap(name, 40, 1)[0], size=12))
    desc = gettext(
        "Percentage of favourable answers in each wave (%(waves)s), one line per series. A wave with no "
        "result shown leaves a gap in the line."
    ) % {"waves": ", ".join(waves)} + " " + hidden_footnote(k)
    table = DataTable(
        caption=title,
        columns=("", *waves),
        rows=tuple((name, *(value_text(v, k) + _flag(v.note) for v in values)) for name, values in series),
    )
    return Chart(title=title, svg=_svg(title, desc, width, height, body), table=table)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return _rect(x - 4.5, y - 4.5, 9, 9, colour)
    if shape == "triangle":
        return f'<polygon points="{_num(x)},{_num(y - 6)} {_num(x + 5.5)},{_num(y + 4)} {_num(x - 5.5)},{_num(y + 4)}" fill="{colour}"/>'
    if shape == "diamond":
        return f'<polygon points="{_num(x)},{_num(y - 6)} {_num(x + 6)},{_num(y)} {_num(x)},{_num(y + 6)} {_num(x - 6)},{_num(y)}" fill="{colour}"/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="{colour}"/>'


# --- distribution ----------------------------------------------------------------------------
def largest_remainder(counts: Sequence[int]) -> list[int]:
    """Whole percentages of `counts` summing to 100 (largest remainder; ties to the first)."""
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    raw = [100 * c / total for c in counts]
    floors = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[: 100 - sum(floors)]:
        floors[i] += 1
    return floors


def distribution_chart(value: Value, *, labels: Sequence[str], title: str, k: int) -> Chart:
    """Answers 1..5 (`labels` in that order) as a % of the item's answers, one bar each. Only a
    FULL value has a distribution; a banded one shows its band, a hidden one its reason."""
    width, bar_left, bar_width = 330, 4, 250
    body, y, rows = [], 6, []
    if value.state == FULL and value.distribution:
        shares = largest_remainder(value.distribution)
        for label, count, share in zip(labels, value.distribution, shares, strict=True):
            body.append(_text(bar_left, y + 12, label, size=13))
            y += 16
            body.append(_rect(bar_left, y, bar_width, 16, "#f3f2f1"))
            if share:
                body.append(_rect(bar_left, y, bar_width * share / 100, 16, FAVOURABLE))
            body.append(_text(bar_left + bar_width + 6, y + 13, f"{share}%", size=13, weight="bold"))
            y += 26
            rows.append((label, f"{share}%", str(count)))
        desc = gettext("How the %(n)s answers were spread over the five answers, as a percentage of answers.") % {
            "n": value.n if value.n is not None else sum(value.distribution)}
    else:
        shown = value_text(value, k)
        if value.state == BANDED:
            message = gettext("Only the band of favourable answers is shown for fewer than 10 answers: %(band)s") % {
                "band": shown}
        else:
            message = gettext("No distribution is shown: %(reason)s.") % {"reason": shown}
        for line in _wrap(message, 46, 3):
            body.append(_text(bar_left, y + 14, line, size=13, fill=SECONDARY_INK, italic=value.state == HIDDEN))
            y += 18
        y += 6
        rows.append((gettext("% favourable"), shown, ""))
        desc = message
    table = DataTable(caption=title, columns=(gettext("Answer"), gettext("% of answers"), gettext("Answers")),
                      rows=tuple(rows))
    return Chart(title=title, svg=_svg(title, desc + " " + hidden_footnote(k), width, y + 4, body), table=table)


# --- drivers ---------------------------------------------------------------------------------
def driver_chart(drivers: Sequence[tuple[str, float]], *, title: str) -> Chart:
    """Relative importance of each domain (a share of the explained variance), largest first as
    given, each printed as a percentage."""
    width, bar_left, bar_width = 330, 4, 250
    body, y, rows = [], 6, []
    top = max((importance for _, importance in drivers), default=0) or 1
    for label, importance in drivers:
        for line in _wrap(label, 44, 2):
            body.append(_text(bar_left, y + 12, line, size=13))
            y += 16
        share = round(100 * importance)
        body.append(_rect(bar_left, y, bar_width * importance / top, 16, FAVOURABLE))
        body.append(_text(bar_left + bar_width * importance / top + 6, y + 13, f"{share}%", size=13, weight="bold"))
        y += 26
        rows.append((label, f"{share}%"))
    desc = gettext("How much each area explains of the outcome, as a share of the explained variance.")
    table = DataTable(caption=title, columns=("", gettext("Share of explained variance")), rows=tuple(rows))
    return Chart(title=title, svg=_svg(title, desc, width, y + 4, body), table=table)
