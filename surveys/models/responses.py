"""Invitations and the anonymous answers they lead to — kept apart on purpose.

The anonymity rules (DESIGN.md) are written into these tables:
* an Invitation knows who was asked and whether they answered; a Response knows what was
  answered, at which school, on which day. No column links the two (no foreign key either way,
  no shared timestamp finer than a day), and response ids are random UUIDs, not a sequence that
  would give away the order of submissions;
* Answer has no id of its own (its key is response + item), Comment has a random id and no link
  to the response at all, so comments cannot be joined back to demographic answers;
* no IP address, user agent or time of day is stored with any of them.
surveys/tests/test_anonymity.py reads the database catalog to keep it that way.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wellbeing.tenancy.models import Organisation, OrganisationOwned, School, StaffMember

from .instruments import CommentQuestion, Item
from .waves import Survey


class Invitation(OrganisationOwned):
    """A personal link to a survey sent to one person on the roster. Only the token's keyed hash is kept."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RESPONDED = "responded", _("Responded")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    # Dates only: a time of day here could be matched with a response's.
    sent_on = models.DateField(_("sent on"))
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta(OrganisationOwned.Meta):
        indexes = [models.Index(fields=["organisation", "survey", "school", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["survey", "staff_member"], name="invitation_one_per_person"),
        ]


class Response(OrganisationOwned):
    """One person's submitted answers, with nothing that says who they are."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField(_("submitted on"))
    # {question code: option code}; a question left unanswered is absent.
    demographics = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8)

    class Meta(OrganisationOwned.Meta):
        indexes = [models.Index(fields=["organisation", "survey", "school"])]


class Answer(OrganisationOwned):
    """The answer to one item: a value 1..5, or "not applicable". Skipped items have no row."""

    pk = models.CompositePrimaryKey("response", "item")
    # Every submission writes 48 of these in one statement, and the database checked three
    # foreign keys per row at commit. Two are plain ids to the database (the ORM still follows
    # and protects them): the items of a published instrument never change or go, and the
    # organisation is the response's, held to the transaction's by row-level security. The
    # response is checked; the primary key, which starts with it, serves as its index.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(not_applicable=True, value__isnull=True)
                    | Q(not_applicable=False, value__gte=1, value__lte=5)
                ),
                name="answer_value_or_not_applicable",
            ),
        ]


class Comment(OrganisationOwned):
    """Free text answering a comment question. Deliberately not linked to any response."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(CommentQuestion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()

    class Meta(OrganisationOwned.Meta):
        indexes = [models.Index(fields=["organisation", "survey", "school"])]


class Draft(OrganisationOwned):
    """Answers saved as a person goes, under their link's token hash; gone on submit or close."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    answers = models.JSONField(default=dict, blank=True)
    demographics = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, blank=True)
    expires_at = models.DateTimeField()


class ResponseCount(OrganisationOwned):
    """How many were invited and how many responded, per survey and school: counts only."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)

    class Meta(OrganisationOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["survey", "school"], name="response_count_unique"),
        ]
