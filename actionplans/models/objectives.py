"""SMART objectives and the readings of their measure.

An objective's measure is either a survey measure (an item or a domain of the survey, as %
favourable or mean, at the objective's scope) or a series someone enters by hand (absence,
turnover, EAP uptake, or any other named measure). Every value it ever had is a dated
`MetricReading`: one per release for survey measures, one per entry for series. The objective
keeps its latest value and status as columns, refreshed by the services whenever a reading
arrives (and daily, since "not met" follows from the calendar), so lists and board reports read
them without recomputing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned, School


class Objective(OrganisationOwned):
    class MetricKind(models.TextChoices):
        SURVEY = "survey", _("A survey measure")
        MANUAL = "manual", _("A series entered by hand")

    class Statistic(models.TextChoices):
        # xgettext:no-python-format
        PCT_FAVOURABLE = "pct_favourable", _("% favourable")
        MEAN = "mean", _("Mean score (1 to 5)")

    class Series(models.TextChoices):
        ABSENCE = "absence_days_per_fte", _("Staff absence (days per FTE)")
        TURNOVER = "turnover_pct", _("Staff turnover (%)")
        EAP_UPTAKE = "eap_uptake_pct", _("Employee assistance programme uptake (% of staff)")
        CUSTOM = "custom", _("Another measure")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting a new reading")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NOT_REPORTABLE = "not_reportable", _("Not reportable")

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"),
        help_text=_("Empty for an objective of the whole organisation."),
    )
    title = models.CharField(_("objective"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("owner"),
    )
    rationale = models.TextField(_("why this objective"), blank=True)

    metric_kind = models.CharField(_("measure"), max_length=10, choices=MetricKind.choices)
    measure_item = models.ForeignKey(
        "surveys.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("survey item"),
    )
    measure_domain = models.ForeignKey(
        "surveys.Domain", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("survey domain"),
    )
    statistic = models.CharField(_("statistic"), max_length=20, choices=Statistic.choices, blank=True)
    baseline_survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("baseline survey"),
    )
    series = models.CharField(_("series"), max_length=30, choices=Series.choices, blank=True)
    custom_name = models.CharField(_("name of the measure"), max_length=120, blank=True)
    custom_unit = models.CharField(_("unit"), max_length=30, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)

    baseline_value = models.DecimalField(_("baseline"), max_digits=9, decimal_places=2, null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=9, decimal_places=2)
    target_date = models.DateField(_("target date"))

    # Refreshed from the readings by services.objective_refresh; never typed in.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING)
    current_value = models.DecimalField(_("latest value"), max_digits=9, decimal_places=2, null=True, blank=True)
    current_as_of = models.DateField(_("latest reading"), null=True, blank=True)
    significant_change = models.BooleanField(_("significant change"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["target_date", "title"]
        indexes = [models.Index(fields=["organisation", "school"])]
        constraints = [
            models.CheckConstraint(
                name="objective_metric_is_complete",
                condition=(
                    Q(metric_kind="survey", series="", statistic__in=["pct_favourable", "mean"])
                    & (
                        Q(measure_item__isnull=False, measure_domain__isnull=True)
                        | Q(measure_item__isnull=True, measure_domain__isnull=False)
                    )
                )
                | (
                    Q(metric_kind="manual", measure_item__isnull=True, measure_domain__isnull=True,
                      statistic="", baseline_survey__isnull=True)
                    & ~Q(series="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_survey_measure(self) -> bool:
        return self.metric_kind == self.MetricKind.SURVEY

    @property
    def unit(self) -> str:
        """The unit written after a value ("%", "days per FTE", or the custom unit)."""
        if self.is_survey_measure:
            return "%" if self.statistic == self.Statistic.PCT_FAVOURABLE else ""
        if self.series == self.Series.ABSENCE:
            return str(_("days per FTE"))
        if self.series in (self.Series.TURNOVER, self.Series.EAP_UPTAKE):
            return "%"
        return self.custom_unit

    @property
    def measure_name(self) -> str:
        """The measure in words, e.g. "Workload and demands (domain), % favourable"."""
        if self.is_survey_measure:
            if self.measure_domain_id:
                what = _("%(name)s (domain)") % {"name": self.measure_domain.name_in(_language())}
            else:
                what = _("%(text)s (item)") % {"text": self.measure_item.text_in(_language())}
            return f"{what}, {self.get_statistic_display()}"
        if self.series == self.Series.CUSTOM:
            return self.custom_name
        return str(self.get_series_display())


def _language() -> str:
    from django.utils.translation import get_language

    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


class MetricReading(OrganisationOwned):
    """One dated value of an objective's measure: from a release, or entered by a person."""

    class State(models.TextChoices):
        REPORTABLE = "reportable", _("Reportable")
        NOT_REPORTABLE = "not_reportable", _("Not reportable")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="readings")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=9, decimal_places=2, null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.REPORTABLE)
    n = models.PositiveIntegerField(null=True, blank=True)
    significant_change = models.BooleanField(null=True, blank=True)
    # The release the value was read from (survey measures); empty for a value entered by hand.
    release = models.ForeignKey("surveys.Release", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_baseline = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["organisation", "objective", "date"])]
        constraints = [
            # A release adds one reading per objective: recomputing after a retry changes nothing.
            models.UniqueConstraint(
                fields=["objective", "release"], condition=Q(release__isnull=False),
                name="reading_once_per_release",
            ),
            # A suppressed cell leaves no number behind, here as in the results.
            models.CheckConstraint(
                name="reading_value_matches_state",
                condition=Q(state="reportable", value__isnull=False) | Q(state="not_reportable", value__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"

    @property
    def is_reportable(self) -> bool:
        return self.state == self.State.REPORTABLE
