"""An objective's status, from its baseline, its target and its latest reading.

The plan is a straight line from the baseline (value and date) to the target (value and date).
At the date of the latest reading the line says where the measure should be by now (the
*expected* value). How far the reading falls short of the line, as a share of the whole planned
change |target - baseline|, decides the status:

    shortfall <= 10 %   on track   (on the line, ahead of it, or within a tenth of the change)
    shortfall <= 30 %   at risk
    shortfall  > 30 %   off track

A reading at or beyond the target is "met"; once the target date has passed without that, the
objective is "not met". With no reading after the baseline yet, it is "awaiting a new reading";
when the latest survey cell is suppressed, "not reportable" (no number, no guess).

Survey measures carry noise, so the two verdicts that claim a real change need a statistically
significant one (the results' own test of the change since the previous wave): a target reached
without a significant change is only "on track" (and "not met" once the date has passed), and a
fall without a significant change is only "at risk", never "off track". Where the results could
not test the change (no previous wave, groups too small: `significant_change` None), the numbers
decide alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from .models import Objective

ON_TRACK_SHORTFALL = Decimal("0.10")
AT_RISK_SHORTFALL = Decimal("0.30")

Status = Objective.Status


@dataclass(frozen=True)
class Latest:
    """The latest reading, as the status needs it."""

    date: datetime.date
    value: Decimal | None
    reportable: bool = True
    significant_change: bool | None = None
    is_baseline: bool = False


@dataclass(frozen=True)
class Verdict:
    status: str
    expected: Decimal | None = None


def expected_value(*, baseline: Decimal, baseline_date: datetime.date, target: Decimal,
                   target_date: datetime.date, on: datetime.date) -> Decimal:
    """Where the straight line from baseline to target stands on date `on` (clamped to the ends)."""
    span = (target_date - baseline_date).days
    if span <= 0:
        return target
    share = Decimal(min(max((on - baseline_date).days, 0), span)) / Decimal(span)
    return baseline + (target - baseline) * share


def judge(*, baseline: Decimal | None, baseline_date: datetime.date | None, target: Decimal,
          target_date: datetime.date, higher_is_better: bool, latest: Latest | None,
          survey_measure: bool, today: datetime.date) -> Verdict:
    if latest is None:
        return Verdict(Status.AWAITING)
    if not latest.reportable or latest.value is None:
        return Verdict(Status.NOT_REPORTABLE)
    if baseline is None or baseline_date is None:
        return Verdict(Status.AWAITING)
    deadline_passed = today > target_date
    if latest.is_baseline or latest.date <= baseline_date:
        return Verdict(Status.NOT_MET if deadline_passed else Status.AWAITING)

    sign = Decimal(1) if higher_is_better else Decimal(-1)
    tested = survey_measure and latest.significant_change is not None
    not_significant = tested and latest.significant_change is False

    if (latest.value - target) * sign >= 0:
        if not_significant:
            return Verdict(Status.NOT_MET if deadline_passed else Status.ON_TRACK, target)
        return Verdict(Status.MET, target)
    if deadline_passed:
        return Verdict(Status.NOT_MET, target)

    expected = expected_value(baseline=baseline, baseline_date=baseline_date, target=target,
                              target_date=target_date, on=latest.date)
    planned_change = abs(target - baseline)
    if planned_change == 0:  # a baseline read later than the target was set may equal it
        return Verdict(Status.ON_TRACK, expected)
    shortfall = (expected - latest.value) * sign / planned_change
    if shortfall <= ON_TRACK_SHORTFALL:
        status = Status.ON_TRACK
    elif shortfall <= AT_RISK_SHORTFALL or not_significant:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return Verdict(status, expected)
