"""A charter, its versions and their commitments.

Texts are JSON objects keyed by language (`{"en": ..., "fr": ..., "cy": ...}`), as survey
instruments store theirs: a version is written once, published and then frozen, and every reader
wants a commitment with all of its languages (the staff page in Welsh, the export, the API).

A published version is never edited in place: its row, its commitments and their survey-item
links refuse `save()` and `delete()`. Changing a published charter means a new draft version;
ratings follow a commitment to the next version only when its key and its statement are unchanged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.areas import WellbeingArea
from wellbeing.tenancy.frozen import FrozenOnceStored, FrozenWithParent
from wellbeing.tenancy.models import OrganisationOwned


def text_in(texts: dict | None, language: str) -> str:
    """The text in `language`, else English, else any language it has."""
    texts = texts or {}
    return texts.get(language) or texts.get("en") or next((t for t in texts.values() if t), "")


class CharterVersionLocked(ValidationError):
    """A published charter version (or a part of it) was about to change."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _("This version of the charter is published and can no longer be changed. Start a new version instead."),
            code="charter_version_published",
        )


class Charter(OrganisationOwned):
    """An organisation's staff wellbeing charter. Its title and introduction mirror the latest
    published version (they are written when a version is published, never edited here)."""

    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    template = models.CharField(_("adopted from template"), max_length=60, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        constraints = [
            # One charter per organisation: a new charter is a new version of this one.
            models.UniqueConstraint(fields=["organisation"], name="one_charter_per_organisation"),
        ]

    def __str__(self) -> str:
        return text_in(self.title, "en")

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)


class CharterVersion(FrozenOnceStored, OrganisationOwned):
    """Publishing is the last write a version gets: draft -> published passes, nothing after."""

    frozen_error = CharterVersionLocked

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="charter_version_number_unique"),
            models.UniqueConstraint(
                fields=["charter"], condition=Q(status="draft"), name="one_draft_version_per_charter"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_on__isnull=False),
                name="charter_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{text_in(self.title, 'en')} (v{self.number})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)

    def intro_in(self, language: str) -> str:
        return text_in(self.intro, language)


class VersionPart(FrozenWithParent, OrganisationOwned):
    """A row that belongs to one charter version (`version` FK) and is frozen with it."""

    frozen_parent = "version"

    class Meta(OrganisationOwned.Meta):
        abstract = True


class Commitment(VersionPart):
    """One promise of the charter: what is committed, who answers for it, how it is evidenced."""

    class PledgedBy(models.TextChoices):
        EVERYONE = "", _("Everyone")
        ORGANISATION = "organisation", _("The employer (trust, district or authority)")
        SCHOOL_LEADERS = "school_leaders", _("School leaders")

    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="commitments")
    # Names "the same commitment" from one version to the next; never reused for another promise.
    key = models.SlugField(_("key"), max_length=60)
    area = models.CharField(_("wellbeing area"), max_length=40, choices=WellbeingArea.choices)
    pledged_by = models.CharField(
        _("pledged by"), max_length=20, choices=PledgedBy.choices, default=PledgedBy.EVERYONE, blank=True
    )
    statement = models.JSONField(_("commitment"), default=dict)
    responsible = models.JSONField(_("who is responsible"), default=dict, blank=True)
    evidence = models.JSONField(_("how it will be evidenced"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    items = models.ManyToManyField(
        "surveys.Item", through="CommitmentItem", related_name="+", blank=True,
        verbose_name=_("survey items that measure it"),
    )

    class Meta(VersionPart.Meta):
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="commitment_key_unique_in_version"),
        ]

    def __str__(self) -> str:
        return text_in(self.statement, "en")


    def statement_in(self, language: str) -> str:
        return text_in(self.statement, language)

    def responsible_in(self, language: str) -> str:
        return text_in(self.responsible, language)

    def evidence_in(self, language: str) -> str:
        return text_in(self.evidence, language)


class CommitmentItem(VersionPart):
    """A survey item whose released results measure a commitment."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="item_links")
    item = models.ForeignKey("surveys.Item", on_delete=models.PROTECT, related_name="+")
    # Kept on the row so the version lock is checked without a join.
    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="+")

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["commitment", "item"], name="commitment_item_unique"),
        ]

