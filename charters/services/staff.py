"""What staff do with the charter: acknowledge it, comment anonymously on a commitment."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import School

from ..models import Acknowledgement, CharterVersion, CommentSent, Commitment, CommitmentComment

MAX_COMMENT = 1000
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers: runs of at least nine digits, with the spaces and dashes people put in them.
PHONE = re.compile(r"\+?\d(?:[\s().-]*\d){8,}")


def redact(text: str) -> str:
    """Addresses and phone numbers would say who wrote a comment: they are taken out."""
    text = EMAIL.sub(_("[email removed]"), text)
    return PHONE.sub(_("[number removed]"), text)


@transaction.atomic
def charter_acknowledge(*, version: CharterVersion, user, today: datetime.date | None = None) -> Acknowledgement:
    """Record that the person has read this version. Doing it twice changes nothing."""
    if not version.is_published:
        raise ValidationError(_("Only a published charter can be acknowledged."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(
        version=version, user=user,
        defaults={"organisation_id": version.organisation_id, "acknowledged_on": today or timezone.localdate()},
    )
    return acknowledgement


def commitment_comment(
    *, commitment: Commitment, user, text: str, school: School | None, today: datetime.date | None = None
) -> None:
    """Send an anonymous comment on a commitment, for the person's school (or the organisation).

    The comment is stored without the person and dated only by its month; that the person has
    commented is kept apart (one comment each per commitment, so a group of k comments is k
    people). Nothing is returned: not even the caller can tie the comment back to its writer."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your comment.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": _("Keep your comment to %(limit)d characters.") % {"limit": MAX_COMMENT}})
    if not commitment.version.is_published:
        raise ValidationError(_("Comments are for the published charter."))
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            CommentSent.objects.create(organisation_id=commitment.organisation_id, commitment=commitment, user=user)
            CommitmentComment.objects.create(
                organisation_id=commitment.organisation_id, commitment=commitment, school=school,
                text=redact(text), received_month=today.replace(day=1),
            )
    except IntegrityError as error:
        raise ValidationError(
            {"text": _("You have already sent a comment on this commitment. Thank you.")}, code="already_commented"
        ) from error
