"""What web processes remember about people and organisations (wellbeing/tenancy/access_cache.py)
never outlives a change: each test first has a dashboard served from what is remembered (and
the page kept), then changes who may see it, and shows the very next request obeys the change."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login_with_mfa
from surveys.tests.test_dashboards import two_waves
from wellbeing.accounts.services import membership_deactivate
from wellbeing.tenancy import access_cache
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Role


@pytest.fixture
def released(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = (world.school("a", 0), world.school("a", 1))
        survey, release = two_waves(organisation, schools)
    return SimpleNamespace(organisation=organisation, survey=survey, schools=schools)


def url(released, school=None):
    kwargs = {"org": released.organisation.slug, "survey_id": released.survey.pk}
    if school is None:
        return reverse("results:organisation", kwargs=kwargs)
    return reverse("results:school", kwargs={**kwargs, "school_id": school.pk})


def remembered(client, address) -> None:
    """Serve the page twice, the second time without a query: from here on, what the request
    needs is remembered and the page is kept."""
    assert client.get(address).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200 and b"<svg" in response.content
    # Django lists its transaction bookkeeping too ("BEGIN", "COMMIT", savepoints), whether or
    # not anything reached PostgreSQL (see the last test for what does).
    statements = [q["sql"] for q in queries.captured_queries]
    assert [q for q in statements if q not in ("BEGIN", "COMMIT") and "SAVEPOINT" not in q] == []


def _sent_to_postgresql(request) -> list[str]:
    """What the client side said to PostgreSQL while `request` ran (libpq's protocol trace)."""
    import tempfile

    from psycopg import pq

    connection.ensure_connection()
    wire = connection.connection.pgconn
    with tempfile.TemporaryFile() as trace:
        wire.trace(trace.fileno())
        wire.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            assert request().status_code == 200
        finally:
            wire.untrace()
        trace.seek(0)
        lines = trace.read().decode().splitlines()
    return [line.split("\t", 2)[2] for line in lines if line.startswith("F\t")]


def membership(world, key, role):
    with organisation_scope(world.org(key)):
        return Membership.objects.get(user=world.user(key, role), role=role)


def test_a_removed_role_takes_effect_on_the_next_request(world, released):
    lead = login_with_mfa(Client(), world.user("a", Role.ORGANISATION_LEAD))
    address = url(released, released.schools[1])
    remembered(lead, address)
    membership_deactivate(membership=membership(world, "a", Role.ORGANISATION_LEAD),
                          by=world.user("a", Role.ORGANISATION_ADMIN))
    assert lead.get(address).status_code == 404
    assert lead.get(url(released)).status_code == 404


def test_a_role_moved_to_another_school_follows_on_the_next_request(world, released):
    own, other = released.schools
    lead = login_with_mfa(Client(), world.user("a", Role.SCHOOL_LEAD))
    remembered(lead, url(released, own))
    assert lead.get(url(released, other)).status_code == 404
    role = membership(world, "a", Role.SCHOOL_LEAD)
    with organisation_scope(world.org("a")):
        role.school = other
        role.save(update_fields=["school"])
    assert lead.get(url(released, own)).status_code == 404
    assert lead.get(url(released, other)).status_code == 200


def test_a_deactivated_organisation_is_gone_on_the_next_request(world, released):
    lead = login_with_mfa(Client(), world.user("a", Role.ORGANISATION_LEAD))
    remembered(lead, url(released))
    organisation = world.org("a")
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])
    assert lead.get(url(released)).status_code == 404
    assert lead.get(url(released, released.schools[0])).status_code == 404


def test_a_deactivated_person_is_signed_out_on_the_next_request(world, released):
    person = world.user("a", Role.ORGANISATION_LEAD)
    lead = login_with_mfa(Client(), person)
    remembered(lead, url(released))
    person.is_active = False
    person.save(update_fields=["is_active"])
    response = lead.get(url(released))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_changed_password_signs_out_other_sessions_on_the_next_request(world, released):
    person = world.user("a", Role.ORGANISATION_LEAD)
    lead = login_with_mfa(Client(), person)
    remembered(lead, url(released))
    person.set_password("a brand new passphrase")
    person.save(update_fields=["password"])
    response = lead.get(url(released))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_removed_second_factor_is_asked_for_on_the_next_request(world, released):
    from allauth.mfa.models import Authenticator

    person = world.user("a", Role.SCHOOL_LEAD)
    lead = login_with_mfa(Client(), person)
    remembered(lead, url(released, released.schools[0]))
    Authenticator.objects.filter(user=person).delete()
    response = lead.get(url(released, released.schools[0]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_another_organisations_lead_and_survey_stay_not_found(world, released):
    """Organisation B's lead, with everything about them remembered, still gets a 404 for A's
    kept pages; and A's survey is not found under B's address either."""
    lead_a = login_with_mfa(Client(), world.user("a", Role.ORGANISATION_LEAD))
    remembered(lead_a, url(released))
    remembered(lead_a, url(released, released.schools[0]))
    stranger = login_with_mfa(Client(), world.user("b", Role.ORGANISATION_LEAD))
    assert stranger.get(reverse("results:index", kwargs={"org": world.org("b").slug})).status_code == 200
    assert stranger.get(url(released)).status_code == 404
    assert stranger.get(url(released, released.schools[0])).status_code == 404
    under_b = reverse("results:organisation", kwargs={"org": world.org("b").slug, "survey_id": released.survey.pk})
    assert stranger.get(under_b).status_code == 404
    assert lead_a.get(under_b).status_code == 404


def test_a_new_role_is_seen_on_the_next_request(world, released):
    """The other way: a school lead made an organisation lead reads every school at once."""
    from wellbeing.tenancy.tests.factories import MembershipFactory

    person = world.user("a", Role.SCHOOL_LEAD)
    lead = login_with_mfa(Client(), person)
    remembered(lead, url(released, released.schools[0]))
    assert lead.get(url(released, released.schools[1])).status_code == 404
    with organisation_scope(world.org("a")):
        MembershipFactory(user=person, role=Role.ORGANISATION_LEAD)
    assert lead.get(url(released, released.schools[1])).status_code == 200


def test_what_is_remembered_is_a_fresh_copy_for_each_request(world, rf):
    """No request can change what the next one is given (a form that edits the organisation
    it was handed, say)."""
    user = world.user("a", Role.ORGANISATION_LEAD)
    first, second = rf.get("/"), rf.get("/")
    read = lambda: world.org("a")  # noqa: E731
    found = access_cache.organisations_fact(first, user.pk, "copy-test", read)
    found.name = "Changed by a form that was never saved"
    again = access_cache.organisations_fact(second, user.pk, "copy-test", read)
    assert again is not found and again.name == "Trust A"


def test_a_lost_token_is_never_an_old_one(world, released):
    """Redis losing the tokens (a restart without persistence, an eviction) leaves nothing
    remembered usable: new tokens are random, never the ones things were filed under."""
    from django.core.cache import cache

    person = world.user("a", Role.SCHOOL_LEAD)
    lead = login_with_mfa(Client(), person)
    remembered(lead, url(released, released.schools[0]))
    cache.delete_many([access_cache.PERSON_KEY.format(person.pk), access_cache.ORGANISATIONS_KEY])
    with organisation_scope(world.org("a")):
        Membership.objects.filter(user=person).update(is_active=False)  # no signal: only a new token helps
    assert lead.get(url(released, released.schools[0])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_kept_page_outside_a_test_transaction_opens_no_transaction(world, released):
    """As in production (no test transaction around the request): a kept page runs no
    statement at all, not even the organisation's scope, while a page that is drawn still reads
    only its own organisation's rows (the scope is set before its first statement)."""
    lead = login_with_mfa(Client(), world.user("a", Role.SCHOOL_LEAD))
    own, other = released.schools
    remembered(lead, url(released, own))
    sent = _sent_to_postgresql(lambda: lead.get(url(released, own)))
    # Django's connection health check (CONN_HEALTH_CHECKS) at most: no BEGIN, no set_config.
    assert set(sent) <= {'Query\t "SELECT 1"'}, sent
    # A page drawn afresh (a choice that is not kept) sets the scope first, then reads.
    with CaptureQueriesContext(connection) as queries:
        response = lead.get(url(released, own) + "?other=1")
    assert response.status_code == 200 and own.name in response.content.decode()
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] != "BEGIN"]
    assert statements[0].startswith("SELECT set_config('app.organisation_id'"), statements[:3]
    assert lead.get(url(released, other)).status_code == 404
    membership_deactivate(membership=membership(world, "a", Role.SCHOOL_LEAD),
                          by=world.user("a", Role.ORGANISATION_ADMIN))
    assert lead.get(url(released, own)).status_code == 404
