"""Which organisation the current request or task works for.

Two walls keep organisations apart:
1. `OrganisationScoped` models' default manager filters by the organisation in context and raises
   `NoOrganisationInContext` when there is none (see managers.py).
2. PostgreSQL row-level security: every tenant-owned table's policy compares `organisation_id`
   with `current_setting('app.organisation_id')`, which `organisation_scope` sets with
   `set_config(..., true)`: local to the transaction it opens, so it can never leak to the next
   user of a pooled connection.

`platform_scope` is the explicit, greppable way out for the few platform-level places (looking
up an invitation token, listing a person's memberships across organisations, creating an
organisation). Queries inside it must still say `.unscoped()`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connections, transaction


class NoOrganisationInContext(RuntimeError):
    """A tenant-owned table was queried with no organisation in context."""


@dataclass(frozen=True)
class _Scope:
    organisation_id: int | None
    platform: bool = False
    using: str = "default"


_scope: ContextVar[_Scope | None] = ContextVar("staffwell_scope", default=None)


def current_organisation_id() -> int:
    scope = _scope.get()
    if scope is None or scope.organisation_id is None:
        raise NoOrganisationInContext(
            "No organisation in context: wrap the code in organisation_scope(), "
            "or use .unscoped() inside platform_scope() for platform-level code."
        )
    return scope.organisation_id


def current_organisation_id_or_none() -> int | None:
    scope = _scope.get()
    return scope.organisation_id if scope else None


def in_platform_scope() -> bool:
    scope = _scope.get()
    return bool(scope and scope.platform)


def _set_database_scope(scope: _Scope | None, using: str) -> None:
    org = "" if scope is None or scope.organisation_id is None else str(scope.organisation_id)
    platform = "on" if scope is not None and scope.platform else ""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.organisation_id', %s, true), set_config('app.platform', %s, true)",
            [org, platform],
        )


class _ScopeSetting:
    """Sets the database's scope for a block, at once or (`lazy`) as an execute wrapper just
    before the block's first statement: a request answered without the database (a kept
    dashboard page, with everything the middlewares need remembered, see access_cache.py) then
    costs no BEGIN, no set_config and no COMMIT."""

    def __init__(self, scope: _Scope, using: str, *, pending: bool):
        self.scope, self.using, self.pending, self.applied = scope, using, pending, False

    def apply(self) -> None:
        if self.pending:
            self.pending = False
            _set_database_scope(self.scope, self.using)
            self.applied = True

    def __call__(self, execute, sql, params, many, context):
        self.apply()
        return execute(sql, params, many, context)


def _apply_pending(using: str) -> None:
    """Set a deferred scope now: what runs next may reach the database by a way that passes no
    execute wrapper (psycopg's COPY through `cursor.copy()`), or reset the scope on its way out."""
    for wrapper in connections[using].execute_wrappers:
        if isinstance(wrapper, _ScopeSetting):
            wrapper.apply()


@contextmanager
def _enter(scope: _Scope, using: str, *, lazy: bool = False) -> Iterator[None]:
    outer = _scope.get()
    connection = connections[using]
    nested = connection.in_atomic_block
    if nested:
        _apply_pending(using)
    # Re-entering the scope already set in this transaction (a service called from a view that
    # is already scoped) needs only the savepoint, not another round trip to set it again.
    same = outer == scope and nested
    token = _scope.set(scope)
    try:
        with transaction.atomic(using=using):
            setting = _ScopeSetting(scope, using, pending=not same)
            if not lazy:
                setting.apply()
            try:
                if setting.pending:
                    with connection.execute_wrapper(setting):
                        yield
                else:
                    yield
            finally:
                # A transaction-local setting outlives a released savepoint: put the outer
                # scope (or none) back before handing the transaction back to its caller. The
                # outermost block needs no reset: its transaction ends here, and the setting
                # with it.
                if nested and setting.applied and connection.in_atomic_block and not connection.needs_rollback:
                    _set_database_scope(outer, using)
    finally:
        _scope.reset(token)


@contextmanager
def organisation_scope(organisation, *, using: str = "default", lazy: bool = False) -> Iterator[None]:
    """Run the block in one transaction, for one organisation (an Organisation or its id).
    `lazy` (the organisation middleware) sets the database's scope just before the first
    statement instead of at once, so a block that never reaches the database costs nothing."""
    organisation_id = getattr(organisation, "pk", organisation)
    if organisation_id is None:
        raise ValueError("organisation_scope needs a saved organisation")
    with _enter(_Scope(organisation_id=int(organisation_id), using=using), using, lazy=lazy):
        yield


@contextmanager
def platform_scope(*, using: str = "default") -> Iterator[None]:
    """Run platform-level code that must read across organisations (explicit `.unscoped()`)."""
    outer = _scope.get()
    organisation_id = outer.organisation_id if outer else None
    with _enter(_Scope(organisation_id=organisation_id, platform=True, using=using), using):
        yield


def organisation_task(func: Callable) -> Callable:
    """Run a Celery task's body for one organisation: the task's first argument is the
    organisation id, and the body runs inside `organisation_scope` (one transaction), just as
    a request does under the middleware. Put it under the Celery decorator:

        @shared_task(acks_late=True)
        @organisation_task
        def survey_refresh_counts(organisation_id, survey_id): ...

    A task that runs again after a lost worker starts from a rolled-back transaction, so its
    effects must be idempotent (upserts on natural keys)."""

    @functools.wraps(func)
    def run_for_organisation(organisation_id, *args, **kwargs):
        with organisation_scope(organisation_id):
            return func(organisation_id, *args, **kwargs)

    return run_for_organisation
