"""Test set-up shared by every app: a real PostgreSQL test database built by the owner role,
the application role for everything else, a real Redis and a real Celery worker."""

from __future__ import annotations

import pytest
from django.db import connections


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Create the test database as the owner and point the application role at it.

    pytest-django's default would create and migrate through the 'default' alias, which is the
    application role: it may not create databases and must never own the tables.
    """
    with django_db_blocker.unblock():
        owner = connections["owner"]
        old_name = owner.settings_dict["NAME"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        for alias in connections:
            if alias != "owner":
                connections[alias].close()
                connections[alias].settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        for alias in connections:
            connections[alias].close()
        stray = _close_stray_connections()
        if stray:
            print(f"\n[staffwell] connections left open elsewhere in this process, closed: {stray}")
        _wait_for_other_sessions_to_leave(owner, test_name)
        owner.creation.destroy_test_db(old_name, verbosity=0)


def _wait_for_other_sessions_to_leave(owner, test_name, timeout=20.0):
    """Dropping the test database fails while any other session is still connected to it.

    This process's own are closed by then (`_close_stray_connections`); a process a test started
    and stopped (gunicorn, a worker, the demo) may leave its session a moment longer: wait for
    it, then end what is left where this role may, so the run ends with its verdict rather than
    an error."""
    import time

    from django.db import DatabaseError

    def others(cursor):
        cursor.execute(
            "SELECT pid, usename, application_name, state FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_name],
        )
        return cursor.fetchall()

    deadline = time.monotonic() + timeout
    with owner._nodb_cursor() as cursor:
        remaining = others(cursor)
        while remaining and time.monotonic() < deadline:
            time.sleep(0.2)
            remaining = others(cursor)
        for pid, *_ in remaining:
            try:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            except DatabaseError:  # another role's session, and this role may not end it
                pass
        if remaining:
            print(f"\n[staffwell] sessions still on {test_name} after {timeout:.0f} s, ended: {remaining}")


def _close_stray_connections() -> list[str]:
    """Close the database connections still open in this process, whichever thread or context
    opened them (a thread that ended leaves its connection to the garbage collector; code run
    while Playwright's event loop runs gets connections of its own context); say whose."""
    import gc
    import threading

    from django.db.backends.base.base import BaseDatabaseWrapper

    names = {thread.ident: thread.name for thread in threading.enumerate()}
    closed = []
    for wrapper in gc.get_objects():
        if isinstance(wrapper, BaseDatabaseWrapper) and wrapper.connection is not None:
            closed.append(f"{wrapper.alias} of {names.get(wrapper._thread_ident, 'a thread that ended')}")
            try:
                wrapper.connection.close()  # psycopg's close may be called from any thread
            except Exception:  # noqa: BLE001 - already broken: nothing left to close
                pass
    return closed


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup, django_db_blocker):
    """A real Celery worker, in a thread of this process, consuming from the real Redis. It stops
    before the test database is dropped (its thread's connection is closed then, with any other
    left open: `_close_stray_connections`)."""
    from celery.contrib.testing.worker import start_worker

    from wellbeing.celery import app

    with django_db_blocker.unblock():
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            _worker_running.append(app)
            yield app
            _worker_running.clear()


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    """Tests that hand work to the worker commit their data first: the worker has its own
    connection and sees only committed rows."""
    return celery_worker_session


_worker_running: list = []  # the session's worker app, once a test has started it


def _let_the_worker_finish(app) -> None:
    """Empty the queue and wait for the task in hand: a task a test set off (a release after a
    close, a storage scrub) must not still be writing while the tables are emptied for the next
    test (its row locks and the emptying's table locks deadlock)."""
    import time

    from celery.worker import state

    app.control.purge()
    deadline = time.monotonic() + 60
    while (state.active_requests or state.reserved_requests) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _no_task_outlives_its_test(request):
    """After every test, once the worker runs: even a test that did not ask for the worker may
    set one off (a survey closed in a committed transaction queues its release). The tables are
    emptied when `transactional_db` ends, so it is set up first here, to end after this."""
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    yield
    if _worker_running:
        _let_the_worker_finish(_worker_running[0])


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker):
    """The demo (`make demo`'s data), loaded and committed once for a module of tests that only
    read it: each test's own changes roll back with its transaction. The tables are emptied
    after the module, as after a transactional test. A module using it must hold no
    transactional test, which would empty them halfway."""
    import io

    from django.core.management import call_command

    from wellbeing.demo import load_demo

    with django_db_blocker.unblock():
        demo = load_demo(stdout=io.StringIO())
    yield demo
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, database="default", reset_sequences=False)


class World:
    """Two organisations, each with two schools and one person per role.

    Every isolation test has a second organisation to be kept out of (Zulip's habit)."""

    def __init__(self):
        from wellbeing.tenancy.context import organisation_scope
        from wellbeing.tenancy.models import SCHOOL_ROLES, Role
        from wellbeing.tenancy.tests.factories import (
            MembershipFactory,
            OrganisationFactory,
            SchoolFactory,
            UserFactory,
        )

        self.orgs = {}
        for key in ("a", "b"):
            org = OrganisationFactory(name=f"Trust {key.upper()}", slug=f"trust-{key}")
            with organisation_scope(org):
                schools = [SchoolFactory(name=f"{key.upper()} School {i}") for i in (1, 2)]
                users = {}
                for role in Role:
                    user = UserFactory(email=f"{role.value}@{key}.example.org")
                    school = schools[0] if role in SCHOOL_ROLES else None
                    MembershipFactory(user=user, role=role, school=school)
                    users[role.value] = user
            self.orgs[key] = {"org": org, "schools": schools, "users": users}

    def org(self, key):
        return self.orgs[key]["org"]

    def school(self, key, index=0):
        return self.orgs[key]["schools"][index]

    def user(self, key, role):
        return self.orgs[key]["users"][role]


@pytest.fixture
def world(db):
    return World()


def login_with_mfa(client, user):
    """Sign a lead in as if they had passed their second factor."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    client.force_login(user)
    return client


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        return login_with_mfa(client, user)

    return _sign_in


@pytest.fixture(autouse=True)
def _language_of_each_test_is_its_own():
    """Every test starts and ends with no language forced on its thread: a survey page that
    activated Welsh, or a French email, leaves nothing for the next test to inherit."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
