"""SMART objectives: setting them, entering readings, and keeping their value and status current.

Every write here runs in one transaction and keeps the objective's history (who, when, what).
A survey measure's values come only from released results, through `actionplans.measures`;
nobody types them in.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import measures
from ..models import ChangeRecord, MetricReading, Objective
from ..trajectory import Latest, judge
from . import history

Series = Objective.Series
Statistic = Objective.Statistic

# Fields a person may change after creation. The measure and the scope stay as set: a different
# measure is a different objective (its readings would no longer mean the same thing).
EDITABLE_FIELDS = ("title", "owner", "rationale", "target_value", "target_date", "custom_name", "custom_unit")
TRACKED_FIELDS = (
    "title", "school", "owner", "rationale", "metric_kind", "measure_item", "measure_domain", "statistic",
    "baseline_survey", "series", "custom_name", "custom_unit", "higher_is_better", "baseline_value",
    "baseline_date", "target_value", "target_date", "status", "current_value", "current_as_of",
)

# Lower is better for absence and turnover; more staff using the employee assistance programme
# is the aim of the objectives that track it.
SERIES_HIGHER_IS_BETTER = {Series.ABSENCE: False, Series.TURNOVER: False, Series.EAP_UPTAKE: True}
PERCENT_SERIES = (Series.TURNOVER, Series.EAP_UPTAKE)


def _value_range(*, metric_kind, statistic, series) -> tuple[Decimal | None, Decimal | None]:
    if metric_kind == Objective.MetricKind.SURVEY:
        return (Decimal(0), Decimal(100)) if statistic == Statistic.PCT_FAVOURABLE else (Decimal(1), Decimal(5))
    if series in PERCENT_SERIES:
        return Decimal(0), Decimal(100)
    if series == Series.ABSENCE:
        return Decimal(0), None
    return None, None


def _range_error(value: Decimal, bounds) -> ValidationError | None:
    low, high = bounds
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            return ValidationError(_("Enter a value of %(low)s or more."), code="out_of_range", params={"low": low})
        return ValidationError(
            _("Enter a value between %(low)s and %(high)s."), code="out_of_range", params={"low": low, "high": high}
        )
    return None


def smart_errors(*, metric_kind, measure_item=None, measure_domain=None, statistic="", series="",
                 custom_name="", higher_is_better=True, baseline_value=None, baseline_date=None,
                 target_value=None, target_date=None, today: datetime.date,
                 check_date_in_past: bool = True) -> dict[str, list[ValidationError]]:
    """Each SMART part that is missing or wrong, by form field, each with its own message."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, error: ValidationError) -> None:
        errors.setdefault(field, []).append(error)

    # Measurable: what will show progress.
    if metric_kind == Objective.MetricKind.SURVEY:
        if measure_item is None and measure_domain is None:
            add("measure", ValidationError(
                _("Choose the survey item or domain that will show progress."), code="no_metric"))
        if statistic not in Statistic.values:
            # xgettext:no-python-format
            add("statistic", ValidationError(_("Choose % favourable or the mean score."), code="no_metric"))
    elif metric_kind == Objective.MetricKind.MANUAL:
        if series not in Series.values:
            add("series", ValidationError(_("Choose the series you will enter."), code="no_metric"))
        elif series == Series.CUSTOM and not (custom_name or "").strip():
            add("custom_name", ValidationError(_("Name the measure you will enter."), code="no_metric"))
        if baseline_value is None:
            add("baseline_value", ValidationError(
                _("Enter the baseline: the value of the measure now, its first reading."), code="no_baseline"))
        if baseline_date is None:
            add("baseline_date", ValidationError(_("Enter the date of the baseline reading."), code="no_baseline"))
    else:
        add("metric_kind", ValidationError(
            _("Say how progress will be measured: a survey measure, or a series you will enter."),
            code="no_metric"))

    # Target, and that it is a change in the right direction.
    bounds = _value_range(metric_kind=metric_kind, statistic=statistic, series=series)
    if target_value is None:
        add("target_value", ValidationError(_("Enter a target: the value the measure should reach."),
                                            code="no_target"))
    else:
        out_of_range = _range_error(target_value, bounds)
        if out_of_range:
            add("target_value", out_of_range)
        elif baseline_value is not None:
            shown = formats.number_format(baseline_value.normalize())
            if target_value == baseline_value:
                add("target_value", ValidationError(
                    _("The target is the same as the baseline (%(baseline)s). Set a target that is a change."),
                    code="no_change", params={"baseline": shown}))
            elif higher_is_better and target_value < baseline_value:
                add("target_value", ValidationError(
                    _("For this measure higher is better: the target must be above the baseline (%(baseline)s)."),
                    code="wrong_direction", params={"baseline": shown}))
            elif not higher_is_better and target_value > baseline_value:
                add("target_value", ValidationError(
                    _("For this measure lower is better: the target must be below the baseline (%(baseline)s)."),
                    code="wrong_direction", params={"baseline": shown}))
    if baseline_value is not None and metric_kind == Objective.MetricKind.MANUAL:
        out_of_range = _range_error(baseline_value, bounds)
        if out_of_range:
            add("baseline_value", out_of_range)

    # Time-bound.
    if target_date is None:
        add("target_date", ValidationError(_("Enter the date by which the target should be reached."),
                                           code="no_date"))
    elif check_date_in_past and target_date <= today:
        add("target_date", ValidationError(_("The target date must be in the future."), code="date_in_past"))
    elif baseline_date is not None and target_date <= baseline_date:
        add("target_date", ValidationError(_("The target date must come after the baseline date."),
                                           code="date_before_baseline"))
    if baseline_date is not None and baseline_date > today:
        add("baseline_date", ValidationError(_("The baseline date cannot be in the future."), code="baseline_future"))
    return errors


def _direction(*, metric_kind, series, higher_is_better) -> bool:
    if metric_kind == Objective.MetricKind.SURVEY:
        return True  # % favourable and mean are both scored so that higher is better
    return SERIES_HIGHER_IS_BETTER.get(series, bool(higher_is_better))


@transaction.atomic
def objective_create(*, organisation, created_by, title: str, school=None, owner=None, rationale: str = "",
                     metric_kind: str = "", measure_item=None, measure_domain=None, statistic: str = "",
                     baseline_survey=None, series: str = "", custom_name: str = "", custom_unit: str = "",
                     higher_is_better: bool = True, baseline_value: Decimal | None = None,
                     baseline_date: datetime.date | None = None, baseline_source: str = "",
                     target_value: Decimal | None = None, target_date: datetime.date | None = None,
                     today: datetime.date | None = None) -> Objective:
    """A new SMART objective. Raises ValidationError naming each SMART part that is missing or
    wrong (no measure, no target, no date, a target that is no change from the baseline or
    goes the wrong way, a date in the past).

    A survey measure takes its baseline from the chosen wave's release (or the first release
    that reports it) and a value from every release after it; a series starts from the baseline
    reading given here."""
    today = today or timezone.localdate()
    survey = metric_kind == Objective.MetricKind.SURVEY
    if survey:
        baseline_value = baseline_date = None
        series = custom_name = custom_unit = ""
    else:
        measure_item = measure_domain = baseline_survey = None
        statistic = ""
    if measure_item is not None and measure_domain is not None:
        raise ValidationError({"measure": ValidationError(_("Choose one item or one domain."), code="no_metric")})
    higher_is_better = _direction(metric_kind=metric_kind, series=series, higher_is_better=higher_is_better)
    errors = smart_errors(
        metric_kind=metric_kind, measure_item=measure_item, measure_domain=measure_domain, statistic=statistic,
        series=series, custom_name=custom_name, higher_is_better=higher_is_better, baseline_value=baseline_value,
        baseline_date=baseline_date, target_value=target_value, target_date=target_date, today=today,
    )
    if not (title or "").strip():
        errors.setdefault("title", []).append(
            ValidationError(_("Write the objective in a sentence."), code="required"))
    if errors:
        raise ValidationError(errors)

    objective = Objective.objects.create(
        organisation=organisation, school=school, title=title.strip(), owner=owner, rationale=rationale,
        metric_kind=metric_kind, measure_item=measure_item, measure_domain=measure_domain, statistic=statistic,
        baseline_survey=baseline_survey, series=series, custom_name=custom_name.strip(),
        custom_unit=custom_unit.strip(), higher_is_better=higher_is_better, baseline_value=baseline_value,
        baseline_date=baseline_date, target_value=target_value, target_date=target_date, created_by=created_by,
    )
    if survey:
        for release in measures.latest_releases_for(organisation=organisation):
            _record_release(objective, release)
    else:
        MetricReading.objects.create(
            objective=objective, date=baseline_date, value=baseline_value, source=baseline_source,
            is_baseline=True, entered_by=created_by,
        )
    objective.status, objective.current_value, objective.current_as_of, objective.significant_change = (
        _computed(objective, today)
    )
    objective.save(update_fields=["status", "current_value", "current_as_of", "significant_change",
                                  "baseline_value", "baseline_date", "baseline_survey"])
    history.record(instance=objective, kind=ChangeRecord.Kind.CREATED, user=created_by,
                   changes=history.differences({}, history.snapshot(objective, TRACKED_FIELDS)))
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by, today: datetime.date | None = None, **changes) -> Objective:
    """Change an objective's wording, owner or target (`EDITABLE_FIELDS`). The SMART checks run
    again; a target date already in the past may stay as it is, but not be moved into the past."""
    today = today or timezone.localdate()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"objective_update cannot change {sorted(unknown)}")
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = history.snapshot(objective, TRACKED_FIELDS)
    for name, value in changes.items():
        setattr(objective, name, value.strip() if isinstance(value, str) else value)
    errors = smart_errors(
        metric_kind=objective.metric_kind, measure_item=objective.measure_item,
        measure_domain=objective.measure_domain, statistic=objective.statistic, series=objective.series,
        custom_name=objective.custom_name, higher_is_better=objective.higher_is_better,
        baseline_value=objective.baseline_value, baseline_date=objective.baseline_date,
        target_value=objective.target_value, target_date=objective.target_date, today=today,
        check_date_in_past=objective.target_date != datetime.date.fromisoformat(before["target_date"]),
    )
    # The stored baseline may lie in the future of a test's `today`: only what changed is checked.
    errors.pop("baseline_date", None)
    errors.pop("baseline_value", None)
    if not objective.title:
        errors.setdefault("title", []).append(ValidationError(_("Write the objective in a sentence."),
                                                              code="required"))
    if errors:
        raise ValidationError(errors)
    objective.status, objective.current_value, objective.current_as_of, objective.significant_change = (
        _computed(objective, today)
    )
    objective.save()
    changed = history.differences(before, history.snapshot(objective, TRACKED_FIELDS))
    if changed:
        history.record(instance=objective, kind=ChangeRecord.Kind.CHANGED, user=by, changes=changed)
    return objective


@transaction.atomic
def objective_record_reading(*, objective: Objective, date: datetime.date, value: Decimal, source: str = "",
                             entered_by, today: datetime.date | None = None) -> MetricReading:
    """A new value of a series entered by hand (survey measures are read from releases only).
    The objective's value, status and history follow at once."""
    today = today or timezone.localdate()
    if objective.is_survey_measure:
        raise ValidationError(_("A survey measure's values come from released results: they cannot be typed in."),
                              code="survey_measure")
    errors: dict[str, list[ValidationError]] = {}
    if date is None:
        errors["date"] = [ValidationError(_("Enter the date of the reading."), code="required")]
    elif date > today:
        errors["date"] = [ValidationError(_("The date of a reading cannot be in the future."), code="future")]
    elif objective.baseline_date and date <= objective.baseline_date:
        errors["date"] = [ValidationError(
            _("A reading must come after the baseline (%(date)s)."), code="before_baseline",
            params={"date": formats.date_format(objective.baseline_date, "j F Y")})]
    if value is None:
        errors["value"] = [ValidationError(_("Enter the value."), code="required")]
    else:
        out_of_range = _range_error(value, _value_range(metric_kind=objective.metric_kind, statistic="",
                                                        series=objective.series))
        if out_of_range:
            errors["value"] = [out_of_range]
    if errors:
        raise ValidationError(errors)
    reading = MetricReading.objects.create(objective=objective, date=date, value=value, source=source.strip(),
                                           entered_by=entered_by)
    objective_refresh(
        objective=objective, today=today, user=entered_by, kind=ChangeRecord.Kind.READING,
        note=_("Reading of %(date)s: %(value)s") % {
            "date": formats.date_format(date, "j F Y"), "value": formats.number_format(value.normalize())},
    )
    return reading


def _latest(objective: Objective) -> Latest | None:
    reading = objective.readings.order_by("-date", "-id").first()
    if reading is None:
        return None
    return Latest(date=reading.date, value=reading.value, reportable=reading.is_reportable,
                  significant_change=reading.significant_change, is_baseline=reading.is_baseline)


def _computed(objective: Objective, today: datetime.date):
    latest = _latest(objective)
    verdict = judge(
        baseline=objective.baseline_value, baseline_date=objective.baseline_date, target=objective.target_value,
        target_date=objective.target_date, higher_is_better=objective.higher_is_better, latest=latest,
        survey_measure=objective.is_survey_measure, today=today,
    )
    if latest is None:
        return verdict.status, None, None, None
    return verdict.status, latest.value, latest.date, latest.significant_change


@transaction.atomic
def objective_refresh(*, objective: Objective, today: datetime.date | None = None, user=None,
                      kind: str = ChangeRecord.Kind.RECOMPUTED, note: str = "",
                      before: dict | None = None) -> bool:
    """Recompute the objective's latest value and status from its readings; a change (or a new
    reading, `kind` READING) is written to its history. True when anything changed. `before` is
    the objective's snapshot from before a caller changed it in memory (a baseline just read)."""
    today = today or timezone.localdate()
    if before is None:
        before = history.snapshot(objective, TRACKED_FIELDS)
    objective.status, objective.current_value, objective.current_as_of, objective.significant_change = (
        _computed(objective, today)
    )
    changed = history.differences(before, history.snapshot(objective, TRACKED_FIELDS))
    if changed:
        objective.save(update_fields=["status", "current_value", "current_as_of", "significant_change",
                                      "baseline_value", "baseline_date", "baseline_survey", "updated_at"])
    if changed or kind == ChangeRecord.Kind.READING:
        history.record(instance=objective, kind=kind, user=user, changes=changed, note=note)
    return bool(changed)


def _record_release(objective: Objective, release: measures.ReleaseFacts) -> tuple[MetricReading | None, bool]:
    """The objective's reading from one release, and whether it is new (added once: a second call
    updates it in place).
    The release of the baseline wave (or, with no wave chosen, the first release that reports the
    measure) sets the baseline."""
    reading = measures.survey_measure_value(
        release=release, scope_school=objective.school, item=objective.measure_item,
        domain=objective.measure_domain, statistic=objective.statistic,
    )
    if reading.state == measures.NO_RESULTS:
        return None, False
    if release.replaces:
        # A final release supersedes the wave's interim one: one reading per wave, the latest.
        objective.readings.filter(release_id__in=release.replaces).delete()
    if objective.baseline_date and release.measured_on < objective.baseline_date:
        return None, False  # older than the baseline: not part of this objective's story
    baseline_wave = (
        objective.baseline_survey_id == release.survey_id
        or (objective.baseline_survey_id is None and objective.baseline_value is None)
    )
    reportable = reading.is_reportable
    if baseline_wave and (reportable or objective.baseline_survey_id):
        objective.readings.filter(is_baseline=True).exclude(release_id=release.release_id).update(is_baseline=False)
        objective.baseline_survey_id = release.survey_id
        objective.baseline_value = reading.value if reportable else None
        objective.baseline_date = release.measured_on if reportable else None
    else:
        baseline_wave = False
    row, created = MetricReading.objects.update_or_create(
        objective=objective, release_id=release.release_id,
        defaults={
            "date": release.measured_on,
            "value": reading.value if reportable else None,
            "state": MetricReading.State.REPORTABLE if reportable else MetricReading.State.NOT_REPORTABLE,
            "n": reading.n if reportable else None,
            "significant_change": reading.significant_change if reportable else None,
            "source": release.label[:200],
            "is_baseline": baseline_wave,
        },
    )
    return row, created


@transaction.atomic
def objectives_record_release(*, release_id: int, today: datetime.date | None = None) -> int:
    """A release was published: every objective on a survey measure gets its reading from it,
    and its value, status and history follow. Safe to run twice (one reading per release).
    Returns how many objectives read a value (or a suppression) from it."""
    release = measures.release_facts(release_id=release_id)
    if release is None:
        return 0
    today = today or timezone.localdate()
    count = 0
    objectives = Objective.objects.filter(metric_kind=Objective.MetricKind.SURVEY).select_related(
        "school", "measure_item", "measure_domain")
    for objective in objectives.select_for_update(of=("self",)):
        before = history.snapshot(objective, TRACKED_FIELDS)
        reading, new = _record_release(objective, release)
        if reading is None:
            continue
        count += 1
        kind = ChangeRecord.Kind.READING if new else ChangeRecord.Kind.RECOMPUTED
        objective_refresh(objective=objective, today=today, kind=kind, before=before,
                          note=_("Read from %(release)s") % {"release": release.label or release.release_id})
    return count


@transaction.atomic
def objectives_refresh_all(*, today: datetime.date | None = None) -> int:
    """Daily: statuses that follow the calendar ("not met" once the target date has passed)."""
    today = today or timezone.localdate()
    return sum(
        objective_refresh(objective=objective, today=today)
        for objective in Objective.objects.select_for_update().order_by("pk")
    )
