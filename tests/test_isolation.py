"""The isolation sweep: every organisation URL and API route, tried by a member of organisation A
against organisation B, answers 404 and shows none of B's data.

The sweep reads the URL configuration, so a page or route added later is covered without anyone
remembering to add it here. A URL with a keyword this file does not know how to fill fails the
sweep: teach OBJECT_IDS below how to find organisation B's object for it.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from actionplans.tests.isolation import organisation_b_objects as organisation_b_action_plans
from charters.tests.isolation import organisation_b_objects as organisation_b_charters
from surveys.tests.isolation import organisation_b_objects as organisation_b_surveys
from wellbeing.reports.tests.isolation import organisation_b_objects as organisation_b_reports
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Membership, Role

ORGANISATION_PREFIX = "o/<slug:org>/"


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def organisation_routes() -> list[str]:
    """Every route under /o/<org>/, as Django route strings (regex routes converted too)."""
    routes = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith(ORGANISATION_PREFIX):
            routes.append(route)
    return sorted(set(routes))


KEYWORD = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def _object_ids(world) -> dict[str, int | str]:
    """Organisation B's objects, by the URL keyword that names them."""
    from wellbeing.tenancy.models import RosterImport, School, StaffMember

    b = world.org("b")
    ids: dict[str, int | str] = {}
    with organisation_scope(b):
        school = School.objects.first()
        ids.update({"school_id": school.pk, "school": school.pk, "schools.pk": school.pk})
        member = Membership.objects.first()
        ids.update(membership_id=member.pk, member_id=member.pk)
        staff = StaffMember.objects.create(
            school=school, email="b-staff@example.org", name="B Staff", job_category="teacher",
            contract="full_time", fte=1,
        )
        ids.update(staff_id=staff.pk, staff_member_id=staff.pk)
        ids["imports.pk"] = RosterImport.objects.create(filename="b-roster.csv").pk
        for provider in OBJECT_IDS:
            ids.update(provider(world))
    return ids


# Later apps register here a function (world) -> {keyword: id of one of organisation B's objects}.
OBJECT_IDS: list = [organisation_b_surveys, organisation_b_action_plans, organisation_b_charters,
                    organisation_b_reports]


def fill(route: str, values: dict[str, int | str]) -> str:
    """Put values into the route; a bare `pk` is named by the segment before it ("schools.pk")."""

    def replace(match: re.Match) -> str:
        name = match["name"] or match["rname"]
        if name == "pk":
            segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1].lstrip("^")
            name = f"{segment}.pk"
        if name not in values:
            raise KeyError(name)
        return str(values[name])

    path = KEYWORD.sub(replace, route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")


@pytest.fixture
def intruder(world, client):
    """A person who holds every role in organisation A and none in B."""
    from conftest import login_with_mfa

    user = world.user("a", "organisation_admin")
    with organisation_scope(world.org("a")):
        for role in (Role.ORGANISATION_LEAD, Role.TRUSTEE, Role.PARTNER, Role.STAFF):
            Membership.objects.create(user=user, role=role)
    return login_with_mfa(client, user)


def test_the_sweep_finds_the_routes():
    routes = organisation_routes()
    assert ORGANISATION_PREFIX in routes  # the organisation home page
    assert any("api/" in r for r in routes)


@pytest.mark.django_db
def test_a_member_of_a_gets_404_for_every_page_and_route_of_organisation_b(world, intruder):
    values = _object_ids(world)
    failures = []
    for route in organisation_routes():
        try:
            path = fill(route, {**values, "org": world.org("b").slug})
        except KeyError as missing:
            failures.append(f"{route}: no id for keyword {missing} (add it to OBJECT_IDS)")
            continue
        for method in ("get", "post"):
            response = getattr(intruder, method)(path)
            allowed = {404} if method == "get" else {404, 405}
            if response.status_code not in allowed:
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert failures == []


@pytest.mark.django_db
def test_organisation_b_objects_are_404_under_organisation_a_too(world, intruder):
    """Swapping only the ids (A's slug, B's object) must not reach B's rows either."""
    values = _object_ids(world)
    b_names = {"B School 1", "B School 2", "b-staff@example.org", "B Staff"}
    failures = []
    for route in organisation_routes():
        if not (set(m["name"] or m["rname"] for m in KEYWORD.finditer(route)) - {"org", "format"}):
            continue  # A's own pages: nothing of B's is named in the address
        try:
            path = fill(route, {**values, "org": world.org("a").slug})
        except KeyError as missing:
            failures.append(f"{route}: no id for keyword {missing} (add it to OBJECT_IDS)")
            continue
        response = intruder.get(path)
        body = response.content.decode(errors="replace")
        if response.status_code != 404 or any(name in body for name in b_names):
            failures.append(f"GET {path}: {response.status_code}")
    assert failures == []


@pytest.mark.django_db
def test_organisation_b_data_never_appears_in_a_pages(world, intruder):
    """A's own list pages and API lists show A's rows and none of B's."""
    failures = []
    for route in organisation_routes():
        if set(m["name"] or m["rname"] for m in KEYWORD.finditer(route)) - {"org"}:
            continue
        path = fill(route, {"org": world.org("a").slug})
        response = intruder.get(path)
        body = response.content.decode(errors="replace")
        if "B School" in body or "Trust B" in body:
            failures.append(path)
    assert failures == []
