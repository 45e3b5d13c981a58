"""Whole dashboard pages, cached per release and per kind of reader (issue 4).

A dashboard page is the same for everyone who reads the same page of the same release in the
same language with the same roles in the organisation: the roles decide what is visible
(permissions.results_access) and which cell actions a row offers (hooks.cell_actions, whose
actions answer from `request.access` and `request.organisation`). So the page is drawn once
per such kind of reader and kept as bytes (in Redis, and in each web process's memory); a view
of it costs two substitutions instead of a template rendering.

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
before the cache is read: the caller's `results_access` (from the person's roles), the survey's
published release and the school's check happen on every view, kept page or not, against what
the process remembers of the person and the organisation (wellbeing/tenancy/access_cache.py,
renewed on every change).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.html import escape

from wellbeing.tenancy import access_cache
from wellbeing.tenancy.selectors import organisations_of_user_remembered

from .hooks import cell_actions

logger = logging.getLogger(__name__)
PAGE_SECONDS = 7 * 24 * 3600  # a release never changes; a new one has new keys
PAGES_HERE_BYTES = 64 * 1024 * 1024  # kept pages in each web process's own memory


class _Kept:
    """A kept page cut at its placeholders: filling it in joins the pieces with this reader's
    CSRF token and email (one copy of the bytes) instead of searching the whole page twice."""

    __slots__ = ("pieces", "tokens", "size")

    def __init__(self, token_mark: str, email_mark: str, content: bytes):
        token, email = token_mark.encode(), email_mark.encode()
        self.pieces, self.tokens, start = [], [], 0
        for found in re.finditer(re.escape(token) + b"|" + re.escape(email), content):
            self.pieces.append(content[start:found.start()])
            self.tokens.append(found.group() == token)
            start = found.end()
        self.pieces.append(content[start:])
        self.size = len(content)

    def filled(self, request) -> bytes:
        token, email = get_token(request).encode(), escape(request.user.email).encode()
        out = [self.pieces[0]]
        for is_token, piece in zip(self.tokens, self.pieces[1:], strict=True):
            out.append(token if is_token else email)
            out.append(piece)
        return b"".join(out)


class _PagesHere:
    """Kept pages this process has served, in its own memory: the key names the release (which
    never changes), the reader's kind and the address, so what is filed under it never goes
    stale; a page's bytes are read from Redis once per process, not once per view. Bounded by
    size: when full, the least recently served pages go first."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self._pages: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> _Kept | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: str, kept: _Kept) -> _Kept:
        with self._lock:
            if key not in self._pages:
                self._pages[key] = kept
                self.size += kept.size
                while self.size > self.max_bytes and self._pages:
                    _key, dropped = self._pages.popitem(last=False)
                    self.size -= dropped.size
        return kept

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.size = 0


_pages_here = _PagesHere(PAGES_HERE_BYTES)


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
    """The header's list of the person's organisations (remembered until their roles or an
    organisation change: wellbeing/tenancy/access_cache.py)."""
    return organisations_of_user_remembered(request)


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
    kept = _pages_here.get(key)
    if kept is None:
        stored = _cache_get(key)
        if stored is not None:
            kept = _pages_here.put(key, _Kept(*stored))
    if kept is None:
        token_mark, email_mark = f"sw{secrets.token_hex(16)}", f"sw{secrets.token_hex(16)}"
        drawing = Drawing({"csrf_token": token_mark, "user": Reader(email_mark),
                           "my_organisations": _my_organisations(request)})
        response = draw(drawing)
        if response.status_code != 200 or not drawing.canonical:
            return _filled(response, token_mark, email_mark, request)
        _cache_set(key, (token_mark, email_mark, response.content), PAGE_SECONDS)
        _pages_here.put(key, _Kept(token_mark, email_mark, response.content))
        return _filled(response, token_mark, email_mark, request)
    return HttpResponse(kept.filled(request))


def _fill(content: bytes, token_mark: str, email_mark: str, request) -> bytes:
    return (content.replace(token_mark.encode(), get_token(request).encode())
            .replace(email_mark.encode(), escape(request.user.email).encode()))


def _filled(response: HttpResponse, token_mark: str, email_mark: str, request) -> HttpResponse:
    response.content = _fill(response.content, token_mark, email_mark, request)
    return response


# --- what renews the organisation's token (wellbeing/tenancy/access_cache.py) -----------------
# The views look up each survey's published release and each school's name in what the process
# remembers of the organisation (views_results._published); a saved or deleted release or
# survey, or a release published, files it anew. (Schools renew it from tenancy.)
def _release_or_survey_saved(sender, instance, using="default", **kwargs):
    access_cache.organisation_changed(instance.organisation_id, using=using)


def _release_published(sender, *, organisation_id, **kwargs):
    access_cache.organisation_changed(organisation_id)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Release, Survey
    from .signals import release_published

    for signal, when in ((post_save, "save"), (post_delete, "delete")):
        for model in (Release, Survey):
            signal.connect(_release_or_survey_saved, sender=model, dispatch_uid=f"dashboard_pages_{model.__name__}_{when}")
    release_published.connect(_release_published, dispatch_uid="dashboard_pages_release_published")
