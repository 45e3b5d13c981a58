from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Sign-up is by invitation, unless the operator opens it."""
        return settings.ACCOUNT_SIGNUP_OPEN or bool(request.session.get("organisation_invitation"))
