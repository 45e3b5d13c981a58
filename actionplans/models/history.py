"""Who changed what, and when, on objectives and actions.

Why an explicit `ChangeRecord` written by the services, and not django-simple-history:
* simple-history builds one historical table per model from the model's fields. Those tables
  would carry `organisation_id`, but they are written from `post_save` signals with the user
  taken from a thread-local request middleware, and read through a `HistoryManager` that is not
  our scoped manager: the first wall (no query without an organisation in context) would be
  missing from every history read, leaving row-level security alone to keep tenants apart.
  Each historical table would also need its own `EnableRowLevelSecurity` and an entry in the
  isolation sweep, on tables that follow every field added to the model.
* It records whole rows; "what changed" has to be recomputed by diffing neighbours at read time,
  and many-to-many links (an action's objectives) are not tracked without extra set-up.
* Here every change a person (or a release) can cause already passes through one service, in one
  transaction: the service knows who acts and why ("from the spring release"), so it writes one
  row with the field-by-field differences. The row is an ordinary tenant-owned model, behind both
  walls like everything else, and migrations of the tracked models never touch it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import OrganisationOwned


class ChangeRecord(OrganisationOwned):
    class Subject(models.TextChoices):
        OBJECTIVE = "objective", _("Objective")
        ACTION = "action", _("Action")

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        READING = "reading", _("New reading")
        RECOMPUTED = "recomputed", _("Recomputed")

    subject = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # None when Staffwell itself made the change (a release was published, a date passed).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # [{"field": "status", "old": "planned", "new": "in_progress"}, ...]: raw values for fields
    # with choices (shown in the reader's language), words for links (names as they were then).
    changes = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)

    class Meta(OrganisationOwned.Meta):
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "subject", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.subject_id}: {self.kind}"
