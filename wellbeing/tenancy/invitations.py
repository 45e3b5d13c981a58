"""Inviting a person into an organisation with a role, by email, and accepting the invitation.

The emailed link carries a token; only its keyed hash is stored (tokens.py). Finding the
invitation behind a token is platform-level (the link names no organisation), everything else
runs inside the invitation's own organisation, so an invitation can only ever create a
membership in the organisation that issued it.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .context import organisation_scope, platform_scope
from .models import SCHOOL_ROLES, Membership, Organisation, OrganisationInvitation, Role, School
from .tokens import new_token, token_hash

logger = logging.getLogger(__name__)


class InvitationState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"


def invitation_state(invitation: OrganisationInvitation) -> InvitationState:
    if invitation.accepted_at is not None:
        return InvitationState.USED
    if invitation.expires_at <= timezone.now():
        return InvitationState.EXPIRED
    return InvitationState.VALID


@dataclass(frozen=True)
class IssuedInvitation:
    """What `invitation_create` hands back: the stored row and the link that was emailed."""

    invitation: OrganisationInvitation
    url: str


def invitation_create(
    *, organisation: Organisation, invited_by, email: str, role: str, school: School | None = None
) -> IssuedInvitation:
    """Offer `role` in `organisation` to `email` and email them a link valid for 14 days.

    Raises ValidationError (keyed by field) when the role needs a school and has none (school
    leads and governors) or has one it must not, when the school belongs to another
    organisation, when the person already holds this role, or when the email cannot be sent
    (then nothing is saved). An earlier unanswered invitation for the same role is superseded:
    only the newest link works.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if role in SCHOOL_ROLES and school is None:
        raise ValidationError({"school": _("Choose the school for this role.")})
    if role not in SCHOOL_ROLES and school is not None:
        raise ValidationError({"school": _("This role covers the whole organisation: leave the school empty.")})
    if school is not None and school.organisation_id != organisation.pk:
        raise ValidationError({"school": _("Choose one of this organisation's schools.")})

    token = new_token()
    with organisation_scope(organisation):
        existing_user = get_user_model().objects.filter(email__iexact=email).first()
        if existing_user and Membership.objects.filter(
            user=existing_user, role=role, school=school, is_active=True
        ).exists():
            raise ValidationError({"email": _("This person already holds this role.")})
        now = timezone.now()
        OrganisationInvitation.objects.filter(
            email=email, role=role, school=school, accepted_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        invitation = OrganisationInvitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            school=school,
            token_hash=token_hash(token),
            invited_by=invited_by,
            expires_at=now + OrganisationInvitation.VALID_FOR,
        )
        url = settings.SITE_URL.rstrip("/") + reverse("invitations:open", kwargs={"token": token})
        # Sent inside the transaction: if the mail server refuses, nothing is saved and the admin
        # is told, rather than an invitation existing that nobody received.
        try:
            _send_invitation_email(invitation, url)
        except (smtplib.SMTPException, OSError):
            logger.exception("Invitation email to organisation %s's invitee failed", organisation.pk)
            raise ValidationError(
                {"email": _("The invitation email could not be sent, so nothing was saved. Try again later.")}
            ) from None
    logger.info("Invitation %s created in organisation %s", invitation.pk, organisation.pk)
    return IssuedInvitation(invitation=invitation, url=url)


def _send_invitation_email(invitation: OrganisationInvitation, url: str) -> None:
    organisation = invitation.organisation
    with translation.override(organisation.default_language):
        context = {
            "organisation": organisation,
            "role": invitation.get_role_display(),
            "school": invitation.school,
            "invited_by": invitation.invited_by,
            "url": url,
            "expires_at": invitation.expires_at,
        }
        subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_for_token(token: str) -> OrganisationInvitation | None:
    """The invitation behind an emailed token, whatever its state; None for a forged token."""
    with platform_scope():
        return (
            OrganisationInvitation.objects.unscoped()
            .select_related("organisation", "school")
            .filter(token_hash=token_hash(token), organisation__is_active=True)
            .first()
        )


def invitation_by_id(invitation_id: int) -> OrganisationInvitation | None:
    """An invitation remembered in the session (platform-level: the session names no organisation)."""
    with platform_scope():
        return (
            OrganisationInvitation.objects.unscoped()
            .select_related("organisation", "school")
            .filter(pk=invitation_id, organisation__is_active=True)
            .first()
        )


def user_owns_email(user, email: str) -> bool:
    """The person signed in as `user` has proved they read mail sent to `email`."""
    from allauth.account.models import EmailAddress

    email = email.lower()
    if user.email.lower() == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def invitation_accept(*, invitation: OrganisationInvitation, user) -> Membership:
    """Give `user` the invited role in the invitation's organisation and use the invitation up.

    Raises ValidationError when the invitation has expired or was already used, or when the
    person signed in is not the one invited (another email address). A person who held the
    role before and was deactivated is reactivated.
    """
    with organisation_scope(invitation.organisation_id):
        # Locked so that two tabs accepting at once create one membership.
        invitation = (
            OrganisationInvitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "school")
            .get(pk=invitation.pk)
        )
        state = invitation_state(invitation)
        if state is InvitationState.USED:
            raise ValidationError(_("This invitation has already been used."), code="used")
        if state is InvitationState.EXPIRED:
            raise ValidationError(_("This invitation has expired."), code="expired")
        if not user_owns_email(user, invitation.email):
            raise ValidationError(
                _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email},
                code="wrong_person",
            )
        membership, created = Membership.objects.get_or_create(
            organisation=invitation.organisation,
            user=user,
            role=invitation.role,
            school=invitation.school,
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    logger.info("Invitation %s accepted", invitation.pk)
    return membership
