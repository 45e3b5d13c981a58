"""The released value of a survey item that measures a commitment: the one place charters read
survey results. Every page, export and API answer that shows a linked item's value goes through
`released_item_value`, so suppression is respected wherever the charter shows a figure.

The value is read through the results' selectors (surveys/results.py), from the latest published
release that includes the item (a survey whose instrument asks an item with its code) for the
school, or for the organisation: a figure only from a cell shown in full, a band from a banded
cell, and nothing at all from a suppressed one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from surveys import results

# How many waves back to look for one that asked the item (a trust runs one or two a year).
WAVES_SEARCHED = 10

NO_RESULTS = "no_results"
REPORTABLE = "reportable"
NOT_REPORTABLE = "not_reportable"


@dataclass(frozen=True)
class MeasureValue:
    """`state`: "no_results" (no release includes the item for this scope), "reportable" (a
    published cell: `value` is its % favourable, or None for a cell of fewer than 10 answers,
    which shows only a band, in `label`) or "not_reportable" (the cell is suppressed: there is
    no value, and none may be guessed)."""

    state: str
    value: float | None
    label: str

    @property
    def is_reportable(self) -> bool:
        return self.state == REPORTABLE

    @property
    def is_suppressed(self) -> bool:
        return self.state == NOT_REPORTABLE


def released_item_value(*, item, school=None) -> MeasureValue:
    """The item's value in the latest published release, for `school` (None: the organisation)."""
    releases = results.releases_published().order_by("-survey__opens_at", "-survey_id")[:WAVES_SEARCHED]
    for release in releases:
        measure = results.released_measure(release=release, school=school, item=item)
        if measure.state == results.NO_RESULTS:
            continue
        released = _("%(survey)s, released %(date)s") % {
            "survey": release.survey.title, "date": formats.date_format(release.published_on, "F Y")}
        if measure.state == results.NOT_REPORTABLE:
            return MeasureValue(state=NOT_REPORTABLE, value=None, label=released)
        cell = measure.cell
        if measure.is_full:
            label = _("n = %(n)s, %(released)s") % {"n": cell.n, "released": released}
            return MeasureValue(state=REPORTABLE, value=float(cell.pct_favourable), label=label)
        label = _("Between %(low)s%% and %(high)s%% favourable (fewer than 10 answers), %(released)s") % {
            "low": cell.favourable_band_low, "high": cell.favourable_band_high, "released": released}
        return MeasureValue(state=REPORTABLE, value=None, label=label)
    return MeasureValue(state=NO_RESULTS, value=None, label=_("No survey results released yet"))
