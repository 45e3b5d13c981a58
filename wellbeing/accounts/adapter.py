from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.http import Http404

from wellbeing.tenancy.invitations import InvitationState, invitation_state

from .invitation_session import invitation_in_session


def _valid_invitation(request):
    invitation = invitation_in_session(request)
    if invitation is None or invitation_state(invitation) is not InvitationState.VALID:
        return None
    return invitation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Sign-up is by invitation (one still valid, opened in this browser), unless the
        operator opens it to everyone."""
        return settings.ACCOUNT_SIGNUP_OPEN or _valid_invitation(request) is not None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_provider(self, request, provider, client_id=None):
        """A provider the operator has not configured (no SSO_* variables) does not exist here:
        its sign-in address answers 404 rather than failing with a server error."""
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    def is_open_for_signup(self, request, sociallogin):
        """Signing up with Google or Microsoft through an invitation: only as the invited address
        (verified by the provider), so no account is made that the invitation cannot reach."""
        if settings.ACCOUNT_SIGNUP_OPEN:
            return True
        invitation = _valid_invitation(request)
        if invitation is None:
            return False
        return any(
            address.verified and address.email.lower() == invitation.email
            for address in sociallogin.email_addresses
        )

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.full_name:
            names = (data.get("first_name"), data.get("last_name"))
            user.full_name = " ".join(name for name in names if name) or (data.get("name") or "")
        return user
