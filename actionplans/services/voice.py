""""You said, we did": publishing updates for staff, and the weekly digest people opt in to.

Only released, unsuppressed figures may be quoted: a post quotes a figure only by naming a
finding (a result cell), whose value is copied from the release at the moment of publishing and
only when the results call it reportable. The texts are words, not figures: a percentage typed
into "you said" is refused, so a number from an unreleased or suppressed cell cannot slip in.
"""

from __future__ import annotations

import datetime
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wellbeing.tenancy.models import Organisation

from .. import measures
from ..models import Action, DigestSubscription, YouSaidWeDid
from ..permissions import access_of
from ..selectors import posts_visible_to
from .plans import FindingReference

logger = logging.getLogger(__name__)

# "45%", "45 %", "45 per cent" (and the French and Welsh ways of writing it).
TYPED_FIGURE = re.compile(r"\d\s*%|\d\s*(?:per\s?cent|pour\s?cent|y\s?cant)\b", re.IGNORECASE)
DIGEST_EVERY = datetime.timedelta(days=7)


@transaction.atomic
def post_publish(*, organisation, you_said: str, we_did: str, school=None, action: Action | None = None,
                 finding: FindingReference | None = None, quote_figure: bool = False, author,
                 now: datetime.datetime | None = None) -> YouSaidWeDid:
    """Publish a "you said, we did" update to the staff of a school (or of the organisation,
    school None). With `quote_figure`, the finding's released figure is quoted; a finding that
    is not released or is suppressed cannot be quoted, and the post is refused with a reason."""
    errors: dict[str, list[ValidationError]] = {}
    you_said, we_did = (you_said or "").strip(), (we_did or "").strip()
    if not you_said:
        errors["you_said"] = [ValidationError(_("Write what staff said."), code="required")]
    elif TYPED_FIGURE.search(you_said):
        errors["you_said"] = [ValidationError(
            _("Figures cannot be typed in. Choose the finding and quote its released figure instead."),
            code="typed_figure")]
    elif len(you_said) > 600:
        errors["you_said"] = [ValidationError(_("Keep “you said” to 600 characters."), code="too_long")]
    if not we_did:
        errors["we_did"] = [ValidationError(_("Write what was done."), code="required")]
    elif len(we_did) > 1200:
        errors["we_did"] = [ValidationError(_("Keep “we did” to 1,200 characters."), code="too_long")]
    if action is not None and action.plan.school_id != (school.pk if school else None):
        errors["action"] = [ValidationError(_("The action belongs to another plan than this update's audience."),
                                            code="action_scope")]
    facts = None
    if quote_figure:
        if finding is None:
            errors["finding"] = [ValidationError(_("Choose the finding whose figure you want to quote."),
                                                 code="no_finding")]
        else:
            facts = measures.finding_facts(release_id=finding.release_id, cell_key=finding.cell_key)
            if facts is None or not facts.reading.is_reportable:
                errors["finding"] = [ValidationError(
                    _("This finding's figure is not released, or is hidden to protect anonymity: "
                      "it cannot be quoted."), code="figure_not_reportable")]
    if errors:
        raise ValidationError(errors)

    return YouSaidWeDid.objects.create(
        organisation=organisation, school=school, you_said=you_said, we_did=we_did, action=action,
        finding_cell=measures.finding_cell(release_id=finding.release_id, cell_key=finding.cell_key) if finding else None,
        finding_label=(facts.label if facts else (finding.description if finding else ""))[:300],
        quoted_value=facts.reading.value if facts else None,
        quoted_unit=facts.unit if facts else "",
        quoted_on=facts.published_on if facts else None,
        author=author, published_at=now or timezone.now(),
    )


@transaction.atomic
def digest_subscribe(*, organisation, user) -> DigestSubscription:
    subscription, _created = DigestSubscription.objects.get_or_create(organisation=organisation, user=user)
    return subscription


@transaction.atomic
def digest_unsubscribe(*, user) -> None:
    DigestSubscription.objects.filter(user=user).delete()


def digest_send_due(*, now: datetime.datetime | None = None) -> int:
    """The weekly email: each subscriber gets the updates published for them since their last
    digest (at most one email a week; none when there is nothing new). Each email and its mark
    succeed or fail together (a savepoint): a failure keeps the others and retries that person
    next time."""
    now = now or timezone.now()
    organisation = None
    sent = 0
    subscriptions = DigestSubscription.objects.select_related("user").order_by("pk")
    for subscription in subscriptions:
        if subscription.last_sent_at and now - subscription.last_sent_at < DIGEST_EVERY - datetime.timedelta(hours=1):
            continue
        user = subscription.user
        organisation = organisation or Organisation.objects.get(pk=subscription.organisation_id)
        access = access_of(organisation=organisation, user=user)
        if not user.is_active or not user.email or not access.memberships:
            continue
        since = subscription.last_sent_at or subscription.created_at
        posts = list(posts_visible_to(access=access, user=user).filter(published_at__gt=since,
                                                                       published_at__lte=now))
        if not posts:
            continue
        try:
            with transaction.atomic():
                DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
                _digest_email(organisation=organisation, user=user, posts=posts).send()
        except Exception:
            logger.exception("A digest email failed (organisation %s)", subscription.organisation_id)
            continue
        sent += 1
    return sent


def _digest_email(*, organisation, user, posts) -> EmailMessage:
    base = settings.SITE_URL.rstrip("/")
    with translation.override(organisation.default_language):
        context = {
            "organisation": organisation,
            "user": user,
            "posts": posts,
            "url": base + reverse("actionplans:you_said_we_did", kwargs={"org": organisation.slug}),
        }
        subject = render_to_string("actionplans/email/digest_subject.txt", context).strip()
        body = render_to_string("actionplans/email/digest_message.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])
