"""Surveys (waves): one instrument version asked of the staff of chosen schools, between two dates."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.frozen import Freezable, FrozenWithParent
from wellbeing.tenancy.models import MINIMUM_REPORTING_THRESHOLD, OrganisationOwned, School

from .instruments import DemographicQuestion, Instrument


class DemographicsFrozen(ValidationError):
    def __init__(self):
        super().__init__(
            _("The demographic questions of a survey cannot change once it has opened."),
            code="demographics_frozen",
        )


class Survey(Freezable, OrganisationOwned):
    """One wave of an organisation's survey: draft → scheduled → open → closed."""

    # Its demographic questions are frozen once it opens (SurveyDemographicQuestion).
    frozen_statuses = ("open", "closed")
    frozen_error = DemographicsFrozen

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    schools = models.ManyToManyField(School, through="SurveySchool", related_name="+")
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    threshold = models.PositiveSmallIntegerField(
        _("minimum reporting group"),
        help_text=_("No result is shown for fewer respondents. Not below the organisation's."),
    )
    demographic_questions = models.ManyToManyField(
        DemographicQuestion, through="SurveyDemographicQuestion", related_name="+"
    )
    languages = ArrayField(models.CharField(max_length=8, choices=settings.LANGUAGES), default=list)
    # Days before the close on which non-responders are reminded, e.g. [7, 2].
    reminder_days = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    previous_wave = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("previous wave"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-opens_at", "title"]
        indexes = [models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="survey_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(threshold__gte=MINIMUM_REPORTING_THRESHOLD), name="survey_threshold_at_least_3"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def demographics_frozen(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CLOSED)


class SurveySchool(OrganisationOwned):
    """A school whose staff are asked in a survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["survey", "school"], name="survey_school_unique"),
        ]


class SurveyDemographicQuestion(FrozenWithParent, OrganisationOwned):
    """A demographic question asked in a survey: frozen once the survey opens."""

    frozen_parent = "survey"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(DemographicQuestion, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(OrganisationOwned.Meta):
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="survey_demographic_unique"),
        ]
