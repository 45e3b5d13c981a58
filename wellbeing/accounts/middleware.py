"""Admins and wellbeing leads must use a second factor before they see anything else."""

from django.conf import settings
from django.shortcuts import redirect

from wellbeing.tenancy.models import MFA_ROLES
from wellbeing.tenancy.selectors import user_holds_any_role

# Pages a person without a second factor may still reach: signing in and out, setting MFA up,
# switching language, static files and the health check.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/s/", "/invitations/")


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
            and mfa_missing(request.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def mfa_missing(user) -> bool:
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    return user_holds_any_role(user=user, roles=MFA_ROLES)
