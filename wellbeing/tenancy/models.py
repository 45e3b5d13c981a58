"""Organisations, their schools, the people in them and what each person may do."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .context import current_organisation_id
from .managers import OrganisationScopedManager

MINIMUM_REPORTING_THRESHOLD = 3


class Organisation(models.Model):
    """A tenant: a school district, a multi-academy trust or a local authority."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("School district")
        TRUST = "trust", _("Multi-academy trust")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TRUST)
    reporting_threshold = models.PositiveSmallIntegerField(
        _("minimum reporting group"),
        default=5,
        help_text=_("No result is shown for a group smaller than this. Never below 3."),
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    support_contacts = models.TextField(
        _("support contacts"),
        blank=True,
        help_text=_("Employee assistance programme and other support, shown to staff after a survey."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_threshold__gte=MINIMUM_REPORTING_THRESHOLD),
                name="organisation_threshold_at_least_3",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationOwned(models.Model):
    """Base of every tenant-owned model: `organisation_id`, a scoped manager, RLS in migrations."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    objects = OrganisationScopedManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if self.organisation_id is None:
            self.organisation_id = current_organisation_id()
        super().save(*args, **kwargs)


class School(OrganisationOwned):
    """A site of the organisation; the central office counts as one."""

    class Phase(models.TextChoices):
        NURSERY = "nursery", _("Nursery")
        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")
        ALL_THROUGH = "all_through", _("All-through")
        SPECIAL = "special", _("Special")
        ALTERNATIVE = "alternative", _("Alternative provision")
        POST_16 = "post_16", _("Post-16")
        CENTRAL = "central", _("Central office")

    name = models.CharField(_("name"), max_length=200)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    staff_count = models.PositiveIntegerField(_("number of staff"), default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="school_name_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_central_office(self) -> bool:
        return self.phase == self.Phase.CENTRAL


class Role(models.TextChoices):
    ORGANISATION_ADMIN = "organisation_admin", _("Organisation admin")
    ORGANISATION_LEAD = "organisation_lead", _("Organisation wellbeing lead")
    SCHOOL_LEAD = "school_lead", _("School wellbeing lead")
    TRUSTEE = "trustee", _("Trustee")
    GOVERNOR = "governor", _("Governor")
    PARTNER = "partner", _("Partner (read-only)")
    STAFF = "staff", _("Staff member")


SCHOOL_ROLES = frozenset({Role.SCHOOL_LEAD, Role.GOVERNOR})
# Roles that see more than their own answers: they must use a second factor.
MFA_ROLES = frozenset({Role.ORGANISATION_ADMIN, Role.ORGANISATION_LEAD, Role.SCHOOL_LEAD})


class Membership(OrganisationOwned):
    """One role a person holds in an organisation (school roles name their school)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "user"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "role", "school"],
                nulls_distinct=False,
                name="membership_unique_role",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(r.value for r in SCHOOL_ROLES), school__isnull=False)
                    | (~Q(role__in=sorted(r.value for r in SCHOOL_ROLES)) & Q(school__isnull=True))
                ),
                name="membership_school_matches_role",
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.school})" if self.school_id else ""
        return f"{self.get_role_display()}{where}"


class StaffMember(OrganisationOwned):
    """A person on the staff roster: who is invited to surveys. Not a login."""

    class JobCategory(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        TEACHING_ASSISTANT = "teaching_assistant", _("Teaching assistant")
        SUPPORT = "support", _("Support staff")
        LEADER = "leader", _("Leader")
        ADMINISTRATION = "administration", _("Administration")
        OTHER = "other", _("Other")

    class Contract(models.TextChoices):
        FULL_TIME = "full_time", _("Full time")
        PART_TIME = "part_time", _("Part time")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200)
    job_category = models.CharField(_("job category"), max_length=30, choices=JobCategory.choices)
    contract = models.CharField(_("contract"), max_length=20, choices=Contract.choices)
    fte = models.DecimalField(_("FTE"), max_digits=4, decimal_places=3)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    left_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organisation", "school", "is_active"])]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="staff_email_unique_in_organisation"),
            # The roster is matched by email without regard to case: "Ann@X" and "ann@x" are one person.
            models.UniqueConstraint(F("organisation"), Lower("email"), name="staff_email_ci_unique_in_organisation"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationInvitation(OrganisationOwned):
    """An emailed offer of a role, accepted through sign-up. The token is stored hashed only."""

    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    VALID_FOR = datetime.timedelta(days=14)

    class Meta:
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


class RosterImport(OrganisationOwned):
    """One upload of the staff roster, with its progress and any row errors."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    deactivated_count = models.PositiveIntegerField(default=0)
    reactivated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # The uploaded rows wait here (not on disk) for a worker that may run on another machine;
    # they are emptied once the import is finished, so no second copy of the roster lingers.
    rows = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
