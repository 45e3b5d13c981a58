"""Whole dashboard pages, cached per release and per kind of reader (issue 4).

A dashboard page is the same for everyone who reads the same page of the same release in the
same language with the same roles in the organisation: the roles decide what is visible
(permissions.results_access) and which cell actions a row offers (hooks.cell_actions, whose
actions answer from `request.access` and `request.organisation`). So the page is drawn once
per such kind of reader and kept as bytes; a view of it costs a cache read and two
substitutions instead of a template rendering.

What is the reader's own is never drawn into a kept page: the header's email address and the
CSRF token are drawn as random placeholders (new ones for each drawing) and filled in for each
request, the token from `get_token()`, so the CSRF cookie is set as for any rendered page. The
header's list of the person's organisations is part of the key. The header draws a stand-in
for the user (`Reader`) that has nothing but `is_authenticated` and `email`, so a template that
asks for anything else of the user gets nothing, never another person's details.

A page is kept only when nothing about the request is unusual: no messages waiting to be shown
(they would be drawn once, then shown to the next reader), no query parameter other than the
page's own, each given once and naming a real choice (so made-up addresses cannot fill the
cache). Anything else is drawn as before, for this request only. Permission checks always run
before the cache is read: the caller's `results_access`, its survey and release lookups, and
the school's check happen on every view, kept page or not.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.html import escape

from wellbeing.tenancy.selectors import organisations_of_user

from .hooks import cell_actions

logger = logging.getLogger(__name__)
PAGE_SECONDS = 7 * 24 * 3600  # a release never changes; a new one has new keys
ORGANISATIONS_SECONDS = 60


class Reader:
    """The user as a kept page's header draws them: signed in, named by a placeholder."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, email: str):
        self.email = email

    def __str__(self) -> str:
        return self.email


class Drawing:
    """What a page's draw function is given: the extra context for its template (empty when the
    page is drawn for this request only), and where it says whether the request's parameters
    named real choices (only then is the page kept)."""

    def __init__(self, context: dict):
        self.context = context
        self.canonical = True


def _reader_parts(request) -> tuple:
    access = request.access
    organisation = request.organisation
    roles = sorted({(m.role, m.school_id or 0) for m in access.memberships})
    organisations = [(o.pk, o.slug, o.name) for o in _my_organisations(request)]
    actions = [f"{a.__module__}.{getattr(a, '__qualname__', repr(a))}" for a in cell_actions]
    return (organisation.pk, organisation.slug, organisation.name, roles, organisations, actions,
            translation.get_language())


def _my_organisations(request):
    """The header's list of the person's organisations, kept for a minute: it only names them
    (the organisation middleware checks the person's membership on every request), and reading
    it across organisations costs six round trips to the database."""
    found = getattr(request, "_results_my_organisations", None)
    if found is None:
        key = f"results:my-organisations:{request.user.pk}"
        found = _cache_get(key)
        if found is None:
            found = organisations_of_user(user=request.user)
            _cache_set(key, found, ORGANISATIONS_SECONDS)
        request._results_my_organisations = found
    return found


# The cache only saves work: when Redis is away, pages are drawn as if nothing were kept.
def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:
        logger.exception("results cache unavailable")
        return None


def _cache_set(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.exception("results cache unavailable")


def _keepable(request, params: tuple[str, ...]) -> bool:
    if any(key not in params or len(request.GET.getlist(key)) != 1 for key in request.GET):
        return False
    return not len(get_messages(request))


def page(request, key_parts: tuple, draw: Callable[[Drawing], HttpResponse], *, params: tuple[str, ...] = ()):
    """The page `draw` makes, kept under `key_parts` (the release's tag, the page and whatever
    else it shows that may change without a new release), the reader's kind and the address."""
    if not _keepable(request, params):
        return draw(Drawing({}))
    parts = (*key_parts, *_reader_parts(request), request.get_full_path())
    key = "results:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    kept = _cache_get(key)
    if kept is None:
        token_mark, email_mark = f"sw{secrets.token_hex(16)}", f"sw{secrets.token_hex(16)}"
        drawing = Drawing({"csrf_token": token_mark, "user": Reader(email_mark),
                           "my_organisations": _my_organisations(request)})
        response = draw(drawing)
        if response.status_code != 200 or not drawing.canonical:
            return _filled(response, token_mark, email_mark, request)
        _cache_set(key, (token_mark, email_mark, response.content), PAGE_SECONDS)
        return _filled(response, token_mark, email_mark, request)
    token_mark, email_mark, content = kept
    return HttpResponse(_fill(content, token_mark, email_mark, request))


def _fill(content: bytes, token_mark: str, email_mark: str, request) -> bytes:
    return (content.replace(token_mark.encode(), get_token(request).encode())
            .replace(email_mark.encode(), escape(request.user.email).encode()))


def _filled(response: HttpResponse, token_mark: str, email_mark: str, request) -> HttpResponse:
    response.content = _fill(response.content, token_mark, email_mark, request)
    return response
