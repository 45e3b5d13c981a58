"""Who is signed in (remembered between requests), and: admins and wellbeing leads must use a
second factor before they see anything else."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

from wellbeing.tenancy import access_cache
from wellbeing.tenancy.models import MFA_ROLES
from wellbeing.tenancy.selectors import user_holds_any_role

# Pages a person without a second factor may still reach: signing in and out, setting MFA up,
# switching language, static files, the health check and the token-exchange pages (surveys,
# invitations), which must work before anything else.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/s/", "/invitations/")
# The page a person asked for when they were sent to set up their second factor.
WANTED_KEY = "mfa_setup_wanted"


class RememberedUserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, with the session's user read from what this process
    remembers (tenancy/access_cache.py) rather than from PostgreSQL on every request. The
    session is checked exactly as Django checks it (the user's session hash: a changed password
    signs out every other session); anything out of the ordinary (no such user, an inactive
    one, a hash that does not match) is left to Django's own `get_user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))


def _session_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _remembered_user(request) or auth.get_user(request)
    return request._cached_user


def _remembered_user(request):
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[auth.BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = access_cache.active_user(request, user_id, lambda: _active_user(user_id))
    if user is None:
        return None
    session_hash = request.session.get(auth.HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    return user


def _active_user(user_id):
    """What every configured backend's `get_user` would return (both are ModelBackends)."""
    user = auth.get_user_model()._default_manager.filter(pk=user_id).first()
    return user if user is not None and user.is_active else None


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
        ):
            if mfa_missing(request.user, request):
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


def mfa_missing(user, request=None) -> bool:
    """Whether the person holds a role that needs a second factor and has none (remembered for
    the request's process until either changes)."""
    if request is None:
        return _mfa_missing(user)
    return access_cache.person_fact(request, user.pk, "mfa-missing", lambda: _mfa_missing(user))


def _mfa_missing(user) -> bool:
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    return user_holds_any_role(user=user, roles=MFA_ROLES)
