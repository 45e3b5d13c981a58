"""Instruments: the questionnaires a survey asks, in versions that never change once published.

Texts are stored as JSON objects keyed by language (`{"en": "...", "fr": "...", "cy": "..."}`),
not in a translation table: an instrument version is written once and then frozen, so there is
no per-translation editing workflow to support; the set of languages is small and fixed by
settings.LANGUAGES; every reader wants an item together with all its texts (the survey page,
exports, the import round trip); and one row per item keeps answers and result cells joined to
a single table. `Instrument.languages` records which languages every text of the version has.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.frozen import FrozenOnceStored, FrozenWithParent

from .shared import SharedOrOrganisationOwned

PREFER_NOT_TO_SAY = "prefer_not_to_say"
NOT_APPLICABLE = "na"
SCALE_VALUES = range(1, 6)


class InstrumentLocked(ValidationError):
    """A published instrument version was about to change."""

    def __init__(self, message=None):
        super().__init__(
            message or _("This instrument version is published and can no longer be changed."),
            code="instrument_published",
        )


def localised(texts: dict, language: str) -> str:
    """The text in `language`, else English, else any language the text has."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


class Scale(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement (strongly disagree to strongly agree)")
    FREQUENCY = "frequency", _("Frequency (never to always)")


SCALE_LABELS = {
    Scale.AGREEMENT: (
        (1, _("Strongly disagree")),
        (2, _("Disagree")),
        (3, _("Neither agree nor disagree")),
        (4, _("Agree")),
        (5, _("Strongly agree")),
    ),
    Scale.FREQUENCY: (
        (1, _("Never")),
        (2, _("Rarely")),
        (3, _("Sometimes")),
        (4, _("Often")),
        (5, _("Always")),
    ),
}


class Instrument(FrozenOnceStored, SharedOrOrganisationOwned):
    """One version of a questionnaire: built-in (no organisation) or an organisation's own.
    Published, it never changes again (save and delete raise InstrumentLocked)."""

    frozen_error = InstrumentLocked

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, verbose_name=_("languages"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta(SharedOrOrganisationOwned.Meta):
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"],
                nulls_distinct=False,
                name="instrument_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="instrument_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{localised(self.name, 'en')} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def name_in(self, language: str) -> str:
        return localised(self.name, language)

class InstrumentPart(FrozenWithParent, SharedOrOrganisationOwned):
    """A row belonging to one instrument version (`instrument` FK): frozen with it."""

    frozen_parent = "instrument"

    class Meta(SharedOrOrganisationOwned.Meta):
        abstract = True


class Domain(InstrumentPart):
    """A group of items scored together (workload, control, ...), or an outcome measure."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="domains")
    code = models.SlugField(_("code"), max_length=60)
    name = models.JSONField(_("name"), default=dict)
    area = models.CharField(_("wellbeing area"), max_length=40, choices=WellbeingArea.choices, blank=True)
    is_outcome = models.BooleanField(
        _("outcome"), default=False, help_text=_("Outcome measures (satisfaction, intention to stay).")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(InstrumentPart.Meta):
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="domain_code_unique_in_instrument"),
        ]

    def __str__(self) -> str:
        return localised(self.name, "en")

    def name_in(self, language: str) -> str:
        return localised(self.name, language)


class Item(InstrumentPart):
    """One statement answered on a 5-point scale."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField(_("number"))
    # A code, not the number, identifies an item across versions and waves (trends).
    code = models.SlugField(_("code"), max_length=60)
    text = models.JSONField(_("text"), default=dict)
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices, default=Scale.AGREEMENT)
    reverse_scored = models.BooleanField(_("reverse-scored"), default=False)
    allows_not_applicable = models.BooleanField(_("offers 'not applicable'"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(InstrumentPart.Meta):
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="item_number_unique_in_instrument"),
            models.UniqueConstraint(fields=["instrument", "code"], name="item_code_unique_in_instrument"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {localised(self.text, 'en')}"

    def text_in(self, language: str) -> str:
        return localised(self.text, language)

    @property
    def scale_labels(self):
        return SCALE_LABELS[self.scale]


class CommentQuestion(InstrumentPart):
    """An open question answered in free text, stored apart from any response."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="comment_questions")
    code = models.SlugField(_("code"), max_length=60)
    text = models.JSONField(_("text"), default=dict)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(InstrumentPart.Meta):
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="comment_question_code_unique"),
        ]

    def __str__(self) -> str:
        return localised(self.text, "en")

    def text_in(self, language: str) -> str:
        return localised(self.text, language)


class DemographicQuestion(SharedOrOrganisationOwned):
    """A question about the respondent with coded answers; "prefer not to say" is always one.

    Demographic questions form a catalog beside the instruments (built-in standard questions,
    plus an organisation's own) so that any instrument, the HSE layout included, can be cut by
    the same groups. A survey chooses its questions, frozen once it opens.
    """

    code = models.SlugField(_("code"), max_length=60)
    text = models.JSONField(_("text"), default=dict)
    # [{"code": "teacher", "text": {"en": ..., "fr": ..., "cy": ...}}, ...], PREFER_NOT_TO_SAY last.
    options = models.JSONField(_("options"), default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(SharedOrOrganisationOwned.Meta):
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], nulls_distinct=False, name="demographic_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return localised(self.text, "en")

    def text_in(self, language: str) -> str:
        return localised(self.text, language)

    @property
    def option_codes(self) -> list[str]:
        return [option["code"] for option in self.options]

    def options_in(self, language: str) -> list[tuple[str, str]]:
        return [(option["code"], localised(option["text"], language)) for option in self.options]
