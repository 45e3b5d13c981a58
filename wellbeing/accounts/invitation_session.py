"""The invitation a browser is carrying between opening its link and holding the role.

Opening /invitations/<token>/ swaps the token for the invitation's id in the (server-side)
session at once; from then on only token-free addresses are used, so neither access logs nor
Referer headers ever see the token. The id is what opens sign-up (adapter.py) and what the
sign-up / sign-in signals accept (signals.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wellbeing.tenancy.invitations import (
    InvitationState,
    invitation_accept,
    invitation_by_id,
    invitation_state,
    user_owns_email,
)
from wellbeing.tenancy.models import Membership, OrganisationInvitation

INVITATION_KEY = "organisation_invitation"
# Why the last link opened did not work ("unknown", "expired", "used"), shown once.
PROBLEM_KEY = "organisation_invitation_problem"
# The organisation the person just joined through the signals, for the accept page to send them on.
JOINED_KEY = "organisation_invitation_joined"


def remember(request, invitation: OrganisationInvitation | None) -> None:
    """Keep the invitation opened by the link (or why it did not work) in the session."""
    forget(request)
    if invitation is None:
        request.session[PROBLEM_KEY] = "unknown"
        return
    state = invitation_state(invitation)
    if state is not InvitationState.VALID:
        request.session[PROBLEM_KEY] = state.value
        return
    request.session[INVITATION_KEY] = invitation.pk
    if not request.user.is_authenticated:
        # The link reached this mailbox: sign-up with this address needs no confirmation email.
        _account_adapter(request).stash_verified_email(request, invitation.email)


def forget(request) -> None:
    for key in (INVITATION_KEY, PROBLEM_KEY):
        request.session.pop(key, None)
    _account_adapter(request).unstash_verified_email(request)


def _account_adapter(request):
    # Imported late: allauth loads this module (through the sign-up form class) while it is
    # still importing its own forms.
    from allauth.account.adapter import get_adapter

    return get_adapter(request)


def invitation_in_session(request) -> OrganisationInvitation | None:
    invitation_id = request.session.get(INVITATION_KEY)
    return invitation_by_id(invitation_id) if invitation_id else None


def accept_from_session(request, user) -> Membership | None:
    """Accept the invitation this browser carries for `user`, if it is theirs and still valid.

    Called right after sign-up and sign-in. An invitation for another address stays in the
    session, so the invitation page can say why nothing happened.
    """
    invitation = invitation_in_session(request)
    if invitation is None:
        return None
    if invitation_state(invitation) is not InvitationState.VALID:
        forget(request)
        return None
    if not user_owns_email(user, invitation.email):
        return None
    try:
        membership = invitation_accept(invitation=invitation, user=user)
    except ValidationError:
        forget(request)
        return None
    forget(request)
    request.session[JOINED_KEY] = invitation.organisation.slug
    messages.success(
        request,
        _("You have joined %(organisation)s as %(role)s.")
        % {"organisation": invitation.organisation, "role": invitation.get_role_display()},
    )
    return membership
