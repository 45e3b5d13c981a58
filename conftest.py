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
        owner.creation.destroy_test_db(old_name, verbosity=0)


@pytest.fixture(scope="session")
def celery_worker_session(django_db_blocker):
    """A real Celery worker, in a thread of this process, consuming from the real Redis."""
    from celery.contrib.testing.worker import start_worker

    from wellbeing.celery import app

    with django_db_blocker.unblock():
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            yield app


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    """Tests that hand work to the worker commit their data first: the worker has its own
    connection and sees only committed rows.

    Afterwards the queue is emptied and the test waits for the task in hand to finish: a task
    the test set off (a release after a close, say) must not still be writing while the tables
    are emptied for the next test."""
    yield celery_worker_session
    import time

    from celery.worker import state

    celery_worker_session.control.purge()
    deadline = time.monotonic() + 60
    while (state.active_requests or state.reserved_requests) and time.monotonic() < deadline:
        time.sleep(0.1)


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
