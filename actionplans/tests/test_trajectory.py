"""The status rules themselves (actionplans.trajectory), without a database: the thresholds and
what statistical significance changes for survey measures."""

from __future__ import annotations

import datetime
from decimal import Decimal

from actionplans.models import Objective
from actionplans.trajectory import Latest, expected_value, judge

Status = Objective.Status
START, END = datetime.date(2026, 7, 1), datetime.date(2028, 7, 1)
HALFWAY = datetime.date(2027, 7, 1)


def survey_status(value, significant, today=HALFWAY):
    """% favourable from 40 to 60 over two years, read halfway (the line expects about 50)."""
    return judge(baseline=Decimal(40), baseline_date=START, target=Decimal(60), target_date=END,
                 higher_is_better=True, survey_measure=True, today=today,
                 latest=Latest(date=HALFWAY, value=Decimal(value), significant_change=significant)).status


def test_the_line_runs_from_baseline_to_target_and_stops_at_the_ends():
    assert round(expected_value(baseline=Decimal(40), baseline_date=START, target=Decimal(60), target_date=END,
                                on=HALFWAY)) == 50
    assert expected_value(baseline=Decimal(40), baseline_date=START, target=Decimal(60), target_date=END,
                          on=datetime.date(2030, 1, 1)) == 60


def test_thresholds_are_a_tenth_and_three_tenths_of_the_planned_change():
    assert survey_status(48.5, None) == Status.ON_TRACK   # 1.5 points short: under 2 (a tenth of 20)
    assert survey_status(45, None) == Status.AT_RISK      # 5 short: under 6 (three tenths)
    assert survey_status(41, None) == Status.OFF_TRACK    # 9 short


def test_significance_guards_met_and_off_track_for_survey_measures():
    assert survey_status(61, True) == Status.MET
    assert survey_status(61, False) == Status.ON_TRACK
    assert survey_status(61, False, today=datetime.date(2028, 8, 1)) == Status.NOT_MET
    assert survey_status(41, False) == Status.AT_RISK
    assert survey_status(41, True) == Status.OFF_TRACK


def test_a_suppressed_reading_is_not_reportable_and_none_is_awaiting():
    common = {"baseline": Decimal(40), "baseline_date": START, "target": Decimal(60), "target_date": END,
              "higher_is_better": True, "survey_measure": True, "today": HALFWAY}
    assert judge(latest=Latest(date=HALFWAY, value=None, reportable=False), **common).status == Status.NOT_REPORTABLE
    assert judge(latest=None, **common).status == Status.AWAITING
