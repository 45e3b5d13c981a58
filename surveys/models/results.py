"""Releases and their result cells: the only form in which survey results exist.

A release is computed once, when a survey closes or a lead asks for an interim release, by the
aggregation module (the only reader of raw answers). Disclosure control runs while the cells are
written, so a suppressed cell holds no statistic at all: no reader can show what is not there.
A published release never changes; a later one supersedes it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import Organisation, OrganisationOwned, School

from .instruments import CommentQuestion, DemographicQuestion, Domain, Item
from .waves import Survey


class Release(OrganisationOwned):
    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim release")
        FINAL = "final", _("Final release")

    class Status(models.TextChoices):
        BUILDING = "building", _("Being built")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILDING)
    number = models.PositiveSmallIntegerField(help_text=_("1 for a survey's first release, then 2, ..."))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_on = models.DateField(null=True, blank=True)
    respondents = models.PositiveIntegerField(default=0)
    cells_published = models.PositiveIntegerField(default=0)
    cells_banded = models.PositiveIntegerField(default=0)
    cells_primary_suppressed = models.PositiveIntegerField(default=0)
    cells_complementary_suppressed = models.PositiveIntegerField(default=0)
    build_seconds = models.FloatField(null=True, blank=True)
    audit_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "survey", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="release_number_unique"),
            models.UniqueConstraint(
                fields=["survey"], condition=Q(status="published"), name="one_published_release_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.get_kind_display()} {self.number}"


class ReleaseCluster(OrganisationOwned):
    """Small schools reported together (at least five schools, never one alone)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="clusters")
    label = models.CharField(max_length=200)
    school_ids = ArrayField(models.BigIntegerField())

    def __str__(self) -> str:
        return self.label


class ResultCell(OrganisationOwned):
    """One published group (a view of the release) and one measure (an item, a domain, or the
    respondent count when both are empty), with its statistics or its reason for having none."""

    class View(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        SCHOOL = "school", _("School")
        CLUSTER = "cluster", _("Cluster of small schools")
        SCHOOL_BY_GROUP = "school_group", _("School by one demographic group")
        ORGANISATION_BY_GROUP = "organisation_group", _("Organisation by one demographic group")
        ORGANISATION_BY_TWO_GROUPS = "organisation_two_groups", _("Organisation by two demographic groups")

    class Disclosure(models.TextChoices):
        FULL = "full", _("All statistics")
        BANDED = "banded", _("% favourable band only")
        SUPPRESSED = "suppressed", _("Fewer than the minimum group")

    class Suppression(models.TextChoices):
        NONE = "", _("Not suppressed")
        PRIMARY = "primary", _("Fewer than k answers")
        COMPLEMENTARY = "complementary", _("Hidden so that others cannot be worked out")
        SMALL_SCHOOL = "small_school", _("Reported inside a cluster of small schools")
        CUT_OFF = "cut_off", _("Groups are not shown for this school's size")

    # A release writes its cells 100,000 at a time from ids it has just read, and never changes
    # them: a foreign-key check and a one-column index on every reference would cost more than
    # computing the cells. The references below are therefore plain ids to the database (the ORM
    # still follows and protects them, and deletes a release's or an organisation's cells with
    # it), and readers find cells by release first (Meta.indexes). The organisation and release
    # too: their two row-by-row checks cost more than the whole release's statistics
    # (docs/benchmarks.md); row-level security's WITH CHECK already confines organisation_id to
    # the writer's organisation, and the builder locks its release row once (FOR KEY SHARE, what
    # each foreign-key check did per cell) while it writes the cells.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="cells", db_constraint=False, db_index=False
    )
    key = models.CharField(
        max_length=500,
        help_text=_("view/place/groups/measure, in codes: the same cell of two waves has the same key."),
    )
    view = models.CharField(max_length=30, choices=View.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    cluster = models.ForeignKey(
        ReleaseCluster, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False,
        db_index=False,
    )
    demographic_1 = models.ForeignKey(
        DemographicQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_constraint=False, db_index=False,
    )
    code_1 = models.CharField(max_length=60, blank=True)
    demographic_2 = models.ForeignKey(
        DemographicQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_constraint=False, db_index=False,
    )
    code_2 = models.CharField(max_length=60, blank=True)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False,
        db_index=False,
    )

    disclosure = models.CharField(max_length=12, choices=Disclosure.choices)
    suppression = models.CharField(max_length=15, choices=Suppression.choices, default="", blank=True)
    # Everything below is empty unless the cell is published (FULL), except the favourable band,
    # which is all a BANDED cell shows.
    respondents = models.PositiveIntegerField(null=True, blank=True)
    n = models.PositiveIntegerField(null=True, blank=True, help_text=_("Valid answers"))
    distribution = models.JSONField(null=True, blank=True, help_text=_("Answer counts 1..5"))
    mean = models.FloatField(null=True, blank=True)
    sd = models.FloatField(null=True, blank=True)
    pct_favourable = models.PositiveSmallIntegerField(null=True, blank=True)
    pct_neutral = models.PositiveSmallIntegerField(null=True, blank=True)
    pct_unfavourable = models.PositiveSmallIntegerField(null=True, blank=True)
    # Unrounded share favourable (0..1): comparisons between waves are made on it, not on the
    # rounded percentage.
    favourable_share = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True, help_text=_("Wilson 95 % interval of % favourable"))
    ci_high = models.FloatField(null=True, blank=True)
    favourable_band_low = models.PositiveSmallIntegerField(null=True, blank=True)
    favourable_band_high = models.PositiveSmallIntegerField(null=True, blank=True)
    # Changes and differences: in points of % favourable, and on the mean. `*_significant` is
    # None where no test could be made (no previous cell, a group under 10).
    change = models.FloatField(null=True, blank=True, help_text=_("Since the previous wave"))
    change_significant = models.BooleanField(null=True, blank=True)
    mean_change = models.FloatField(null=True, blank=True)
    mean_change_significant = models.BooleanField(null=True, blank=True)
    difference = models.FloatField(null=True, blank=True, help_text=_("From the rest of the organisation"))
    difference_significant = models.BooleanField(null=True, blank=True)
    mean_difference = models.FloatField(null=True, blank=True)
    mean_difference_significant = models.BooleanField(null=True, blank=True)

    class Meta(OrganisationOwned.Meta):
        indexes = [
            models.Index(fields=["organisation", "release", "view", "school"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["release", "key"], name="result_cell_key_unique"),
            # Suppression enforced by the schema too: a suppressed cell carries no statistic.
            models.CheckConstraint(
                condition=~Q(disclosure="suppressed")
                | Q(n__isnull=True, respondents__isnull=True, mean__isnull=True, sd__isnull=True,
                    distribution__isnull=True, pct_favourable__isnull=True, pct_neutral__isnull=True,
                    pct_unfavourable__isnull=True, favourable_share__isnull=True, ci_low__isnull=True,
                    ci_high__isnull=True, favourable_band_low__isnull=True,
                    favourable_band_high__isnull=True, change__isnull=True, mean_change__isnull=True,
                    difference__isnull=True, mean_difference__isnull=True),
                name="suppressed_cell_is_empty",
            ),
            # A banded cell shows its size and the band of % favourable, nothing finer.
            models.CheckConstraint(
                condition=~Q(disclosure="banded")
                | Q(mean__isnull=True, sd__isnull=True, distribution__isnull=True,
                    pct_favourable__isnull=True, pct_neutral__isnull=True, pct_unfavourable__isnull=True,
                    favourable_share__isnull=True, ci_low__isnull=True, ci_high__isnull=True,
                    change__isnull=True, mean_change__isnull=True, difference__isnull=True,
                    mean_difference__isnull=True, favourable_band_low__isnull=False,
                    favourable_band_high__isnull=False),
                name="banded_cell_shows_band_only",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_reportable(self) -> bool:
        return self.disclosure != self.Disclosure.SUPPRESSED


class DomainReliability(OrganisationOwned):
    """Cronbach's alpha of a domain at organisation level (listwise)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    alpha = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField()
    flagged = models.BooleanField(default=False, help_text=_("Alpha under 0.70"))

    class Meta(OrganisationOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["release", "domain"], name="reliability_unique")]


class Driver(OrganisationOwned):
    """How much a domain matters for an outcome (relative importance), at organisation level."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    importance = models.FloatField(help_text=_("Share of explained variance, 0..1"))
    n = models.PositiveIntegerField()

    class Meta(OrganisationOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["release", "outcome", "domain"], name="driver_unique")]


class ReleaseAtom(OrganisationOwned):
    """How many respondents of a release share one profile (school and every demographic answer
    the release can cut by). A later release of the same survey is audited together with this
    one: these counts tell the audit which respondents both releases contain, without keeping
    any link between a response and the release it first appeared in."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="atoms")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    # One code per demographic question of the survey, in the survey's order; null when the
    # question was skipped or answered "prefer not to say" (no group is published for those).
    codes = ArrayField(models.CharField(max_length=60, null=True))
    respondents = models.PositiveIntegerField()
    # Of those respondents, how many answered each measure not all of them answered: {"item:<id>"
    # or "domain:<id>": count} (counts per profile, aggregates like `respondents`). A later release
    # takes the differences as the exact answered counts of the respondents it adds, so that its
    # audit of each measure (surveys.disclosure.measures) need not pool them. Null: not recorded
    # (the release was built with DISCLOSURE_AUDIT_ITEM_NONRESPONSE off).
    answered = models.JSONField(null=True, blank=True)


class ReleaseComment(OrganisationOwned):
    """A comment as a release publishes it: redacted, undated, in a shuffled order, with the
    school only when that school has at least 10 respondents (never a demographic group)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(CommentQuestion, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(ReleaseCluster, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    position = models.PositiveIntegerField(help_text=_("Random order of display"))

    class Meta(OrganisationOwned.Meta):
        ordering = ["position"]
        indexes = [models.Index(fields=["organisation", "release", "school"])]
