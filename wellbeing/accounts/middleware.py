"""Admins and wellbeing leads must use a second factor before they see anything else."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from wellbeing.tenancy.models import MFA_ROLES
from wellbeing.tenancy.selectors import user_holds_any_role

# Pages a person without a second factor may still reach: signing in and out, setting MFA up,
# switching language, static files, the health check and the token-exchange pages (surveys,
# invitations), which must work before anything else.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/s/", "/invitations/")
# The page a person asked for when they were sent to set up their second factor.
WANTED_KEY = "mfa_setup_wanted"


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
        ):
            if mfa_missing(request.user):
                return send_to_mfa_setup(request)
            wanted = request.session.pop(WANTED_KEY, None)
            # allauth ends TOTP set-up on its recovery-codes page, which links home; home
            # takes the person on to the page they were stopped at.
            if wanted and request.path_info == reverse("home") and _is_local(request, wanted):
                return redirect(wanted)
        return self.get_response(request)


def send_to_mfa_setup(request):
    setup_url = reverse("mfa_activate_totp")
    if request.method == "GET" and not getattr(request, "htmx", False):
        request.session[WANTED_KEY] = request.get_full_path()
    if getattr(request, "htmx", False):
        # A redirect would be swapped into part of the page; ask htmx to load the whole page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = setup_url
        return response
    return redirect(setup_url)


def _is_local(request, url: str) -> bool:
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)


def mfa_missing(user) -> bool:
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    return user_holds_any_role(user=user, roles=MFA_ROLES)
