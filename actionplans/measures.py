"""The one door from action plans to released survey results.

Everything the action plans read from the results (a measure's value at a scope, the releases
there are, what a result cell says when a lead quotes it) goes through the functions here, and
nothing else in `actionplans` imports the results' models. The results' data layer (releases and
result cells, surveys app) is being built beside this app: until it is wired in, every function
answers "no results", so objectives on survey measures read "no results yet" and nothing is ever
guessed.

Wiring (for the results selectors):
* `survey_measure_value` reads the one published cell of `release` for the objective's scope
  (school view, or organisation view when `scope_school` is None) and measure (the item or the
  domain; match by `code` when the release's instrument version differs from the objective's),
  and answers `reportable` with the statistic, `not_reportable` for a suppressed cell (never its
  number, never a band as if it were a value), or `no_results` when the release has no such cell
  (the survey did not include that school, or asked no such item).
* `release_facts` and `latest_releases_for` describe releases; `finding_facts` describes one cell
  by its key, for "create action from this" and for "you said, we did" quotes.
* Connect `actionplans.tasks.on_release_published` to the surveys' "release published" signal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

NO_RESULTS = "no_results"
REPORTABLE = "reportable"
NOT_REPORTABLE = "not_reportable"

ReadingState = Literal["no_results", "reportable", "not_reportable"]


@dataclass(frozen=True)
class MeasureReading:
    """What a release says about one measure at one scope.

    `value` is set only when `state` is "reportable". `significant_change` is the results' own
    verdict on the change since the previous wave (p < 0.05 and large enough to matter): True,
    False, or None where it could not be tested (no previous wave, groups too small)."""

    state: ReadingState
    value: Decimal | None = None
    n: int | None = None
    significant_change: bool | None = None

    @property
    def is_reportable(self) -> bool:
        return self.state == REPORTABLE and self.value is not None


@dataclass(frozen=True)
class ReleaseFacts:
    """A published release: which survey (wave) it belongs to and the date its values count from."""

    release_id: int
    survey_id: int
    published_on: datetime.date
    label: str = ""


@dataclass(frozen=True)
class FindingFacts:
    """A result cell as a lead would quote it: a label in words and its reading."""

    release_id: int
    cell_key: str
    label: str
    reading: MeasureReading
    published_on: datetime.date | None = None
    unit: str = "%"  # "%" for % favourable, "" for a mean


def survey_measure_value(*, release: ReleaseFacts, scope_school, item=None, domain=None,
                         statistic: str) -> MeasureReading:
    """The value of an item or a domain (`statistic`: "pct_favourable" or "mean") in `release`,
    for `scope_school` (a School) or the whole organisation (None).

    Not wired yet: every release answers "no results"."""
    return MeasureReading(state=NO_RESULTS)


def latest_releases_for(*, organisation=None, surveys: Iterable | None = None) -> list[ReleaseFacts]:
    """The published release of each survey (of `surveys`, or every survey of the organisation
    in context), oldest first. Not wired yet: none."""
    return []


def release_facts(*, release_id: int) -> ReleaseFacts | None:
    """One published release of the organisation in context, or None. Not wired yet: None."""
    return None


def finding_facts(*, release_id: int, cell_key: str) -> FindingFacts | None:
    """One published result cell of the organisation in context, by its release and key, or
    None when there is no such cell. Not wired yet: None."""
    return None
