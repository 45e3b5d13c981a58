"""What every signed-in request must know about the person and the organisation, remembered in
each web process and dropped the moment it changes.

Every page under /o/<slug>/ needs the person's user row (is the session still theirs, are they
active?), whether they lack a second factor, the organisation of the address and their roles in
it; the header lists their organisations. Read from PostgreSQL that is five or six round trips
for every page view. They change rarely, so each process keeps them, under *version tokens*
held in Redis:

* `access:person:<user id>`: the user's row, their second factors and their roles anywhere;
* `access:organisations`: any organisation's or school's row (names, short names, whether active);
* `access:organisation:<id>`: what the results pages look up about one organisation (its
  schools, surveys and published releases; surveys/dashboard_pages.py).

A token is random. Whatever the process remembers is filed under the tokens current when it
was read, so a new token makes it unreachable. Every save or delete of a user, second factor,
role, organisation, school, survey or release sets a new token (signals below), once at once
and once more when the transaction commits: a request that read the database before the commit
cannot file what it read under the token that follows it. So a removed role, a deactivated
organisation or person, or a removed second factor takes effect on the very next request, in
every process. A token that Redis loses is replaced by a new random one, never by an old one;
when Redis cannot be reached nothing is remembered and everything is read from the database.
What is remembered is kept pickled and unpickled for each request (model instances), so no
request can change what the next one sees; entries are also dropped after five minutes
whatever happens.

Writes that bypass model signals (`QuerySet.update()`, raw SQL) on these tables must call
`person_changed` / `organisations_changed` / `organisation_changed` themselves.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

PERSON_KEY = "access:person:{}"
ORGANISATIONS_KEY = "access:organisations"
ORGANISATION_KEY = "access:organisation:{}"
MAX_AGE_SECONDS = 300
MAX_ENTRIES = 20_000


class _Memory:
    """This process's remembered values, each filed with the tokens it was read under."""

    def __init__(self) -> None:
        self._entries: dict[tuple, tuple[float, Any, bool]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        found = self._entries.get(key)
        if found is None or time.monotonic() - found[0] > MAX_AGE_SECONDS:
            return _MISSING
        return found[1] if found[2] else pickle.loads(found[1])

    def put(self, key: tuple, value: Any, *, shared: bool = False) -> None:
        data = value if shared else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # old tokens' entries pile up; starting again is cheap
            self._entries[key] = (time.monotonic(), data, shared)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MISSING = object()
memory = _Memory()


# --- tokens -----------------------------------------------------------------------------------
def _tokens(keys: list[str]) -> list[str] | None:
    """The current token of each key (a new one where Redis has none); None without Redis."""
    try:
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:
                cache.add(key, secrets.token_hex(8), None)
                found[key] = cache.get(key)
        if any(found[key] is None for key in keys):
            return None
        return [found[key] for key in keys]
    except Exception:
        logger.exception("access cache unavailable: reading from the database")
        return None


def _renew(key: str, using: str) -> None:
    """A new token for `key` now (an error here fails the write: better than a stale role) and
    again once the transaction commits."""
    cache.set(key, secrets.token_hex(8), None)

    def again():
        try:
            cache.set(key, secrets.token_hex(8), None)
        except Exception:
            logger.exception("access cache: could not renew %s after commit", key)

    transaction.on_commit(again, using=using)


def person_changed(user_id: int, *, using: str = "default") -> None:
    _renew(PERSON_KEY.format(user_id), using)


def organisations_changed(*, using: str = "default") -> None:
    _renew(ORGANISATIONS_KEY, using)


def organisation_changed(organisation_id: int, *, using: str = "default") -> None:
    _renew(ORGANISATION_KEY.format(organisation_id), using)


# --- what a request reads ---------------------------------------------------------------------
def _remember(key: tuple, read: Callable[[], Any], *, shared: bool = False) -> Any:
    found = memory.get(key)
    if found is _MISSING:
        found = read()
        memory.put(key, found, shared=shared)
    return found


def _person_tokens(request, user_id: int) -> list[str] | None:
    """The person's and the organisations' tokens, read once per request."""
    cached = getattr(request, "_access_tokens", None)
    if cached is None or cached[0] != user_id:
        cached = (user_id, _tokens([PERSON_KEY.format(user_id), ORGANISATIONS_KEY]))
        request._access_tokens = cached
    return cached[1]


def active_user(request, user_id: int, read: Callable[[], Any]):
    """The user of the session if they exist and are active (`read` reads it from the database,
    returning None otherwise); None also means "not remembered, ask the database"."""
    tokens = _person_tokens(request, user_id)
    if tokens is None:
        return None
    return _remember(("user", user_id, tokens[0]), read)


def person_fact(request, user_id: int, name, read: Callable[[], Any]) -> Any:
    """Something about the person alone (their second factors, their roles)."""
    tokens = _person_tokens(request, user_id)
    if tokens is None:
        return read()
    return _remember(("person", name, user_id, tokens[0]), read)


def organisations_fact(request, user_id: int, name, read: Callable[[], Any]) -> Any:
    """Something about organisations' rows alone (an organisation by its short name)."""
    tokens = _person_tokens(request, user_id)
    if tokens is None:
        return read()
    return _remember(("organisations", name, tokens[1]), read)


def person_and_organisations_fact(request, user_id: int, name, read: Callable[[], Any]) -> Any:
    """Something about the person and organisations' rows (the person's organisations)."""
    tokens = _person_tokens(request, user_id)
    if tokens is None:
        return read()
    return _remember(("person-organisations", name, user_id, *tokens), read)


def organisation_fact(organisation_id: int, name, read: Callable[[], Any], *, shared: bool = False) -> Any:
    """Something about one organisation's schools, surveys or releases (one Redis read).
    `shared`: the one object is handed to every request, not a copy (for values no caller
    changes, such as frozen dataclasses read with `.get()`)."""
    tokens = _tokens([ORGANISATION_KEY.format(organisation_id), ORGANISATIONS_KEY])
    if tokens is None:
        return read()
    return _remember(("organisation", name, organisation_id, *tokens), read, shared=shared)


# --- what renews the tokens ---------------------------------------------------------------------
def _user_saved(sender, instance, using="default", **kwargs):
    person_changed(instance.pk, using=using)


def _role_or_factor_saved(sender, instance, using="default", **kwargs):
    person_changed(instance.user_id, using=using)


def _organisation_saved(sender, instance, using="default", **kwargs):
    organisations_changed(using=using)


def _school_saved(sender, instance, using="default", **kwargs):
    # Roles name their school: a renamed school reaches the remembered roles through the
    # organisations' token too.
    organisation_changed(instance.organisation_id, using=using)
    organisations_changed(using=using)


def connect_signals() -> None:
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.db.models.signals import post_delete, post_save

    from .models import Membership, Organisation, School

    for signal, when in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid=f"access_cache_user_{when}")
        for model in (Authenticator, Membership):
            signal.connect(_role_or_factor_saved, sender=model, dispatch_uid=f"access_cache_{model.__name__}_{when}")
        signal.connect(_organisation_saved, sender=Organisation, dispatch_uid=f"access_cache_organisation_{when}")
        signal.connect(_school_saved, sender=School, dispatch_uid=f"access_cache_school_{when}")
