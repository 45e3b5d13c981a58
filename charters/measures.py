"""The released value of a survey item that measures a commitment: the one place charters read
survey results. Every page, export and API answer that shows a linked item's value goes through
`released_item_value`, so suppression is respected wherever the charter shows a figure.

Until the results selector is wired in, no release is read and every item says "no results".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

NO_RESULTS = "no_results"
REPORTABLE = "reportable"
NOT_REPORTABLE = "not_reportable"


@dataclass(frozen=True)
class MeasureValue:
    """`state`: "no_results" (no release includes the item for this scope), "reportable" (a
    published cell: `value` is its % favourable) or "not_reportable" (the cell is suppressed:
    there is no value, and none may be guessed)."""

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
    return MeasureValue(state=NO_RESULTS, value=None, label=str(_("No survey results released yet")))
