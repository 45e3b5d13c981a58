"""The charter API: leads read charters, versions, commitments, reviews and ratings; anyone else,
and anything of organisation B, gets 404; every route is in the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.urls import reverse

from charters import services
from charters.models import Commitment, Rating
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .factories import adopt, open_period, review_of
from .isolation import organisation_b_objects

pytestmark = pytest.mark.django_db
API = "/o/trust-a/api/"


@pytest.fixture
def rated(world):
    org = world.org("a")
    version = adopt(org)
    period = open_period(org, opens_on=datetime.date(2024, 10, 1), due_on=datetime.date(2025, 3, 1))
    reviews = {index: review_of(org, period, world.school("a", index)) for index in (0, 1)}
    with organisation_scope(org):
        first, second = Commitment.objects.filter(version=version).order_by("order")[:2]
        services.rating_save(review=reviews[0], commitment=first, level=Rating.Level.EMBEDDED)
        services.rating_save(review=reviews[0], commitment=second, level=Rating.Level.DEVELOPING,
                             links=[("https://example.org/minutes", "Minutes")])
        services.rating_save(review=reviews[1], commitment=first, level=Rating.Level.NOT_STARTED)
    return {"version": version, "period": period, "reviews": reviews}


def test_an_organisation_lead_reads_the_charter_its_commitments_and_every_rating(world, signed_in, rated):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    charters = client.get(API + "charters/").json()["results"]
    assert charters[0]["title"]["cy"] == "Ein siarter llesiant staff"
    assert charters[0]["published_version"] == rated["version"].pk
    commitments = client.get(API + "charter-commitments/", {"version": rated["version"].pk}).json()
    assert commitments["count"] == 14
    workload = next(c for c in commitments["results"] if c["key"] == "workload-unnecessary-tasks")
    assert [item["code"] for item in workload["survey_items"]] == ["workload-4", "workload-3"]
    assert workload["survey_items"][0]["measure"] == {
        "state": "no_results", "value": None, "label": "No survey results released yet",
    }
    ratings = client.get(API + "charter-ratings/", {"review": rated["reviews"][0].pk}).json()["results"]
    assert [(r["level"], r["evidence_missing"]) for r in ratings] == [("embedded", True), ("developing", False)]
    assert ratings[1]["evidence_links"] == [{"url": "https://example.org/minutes", "title": "Minutes"}]
    assert client.get(API + "charter-reviews/", {"period": rated["period"].pk}).json()["count"] == 3


def test_a_school_lead_reads_only_their_own_schools_reviews_and_ratings(world, signed_in, rated):
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    reviews = client.get(API + "charter-reviews/").json()["results"]
    assert [r["school_name"] for r in reviews] == ["A School 1"]
    assert client.get(API + "charter-ratings/").json()["count"] == 2
    other = rated["reviews"][1]
    assert client.get(f"{API}charter-reviews/{other.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.GOVERNOR, Role.TRUSTEE, Role.PARTNER, Role.ORGANISATION_ADMIN])
def test_the_api_is_for_leads_only(world, signed_in, rated, role):
    client = signed_in(world.user("a", role))
    for route in ("charters/", "charter-versions/", "charter-commitments/", "charter-reviews/", "charter-ratings/"):
        assert client.get(API + route).status_code == 404


def test_organisation_b_objects_are_404_for_a_lead_of_a(world, signed_in, rated):
    b = organisation_b_objects(world)
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    for route, key in (
        ("charters", "charters.pk"), ("charter-versions", "charter-versions.pk"),
        ("charter-commitments", "charter-commitments.pk"), ("charter-review-periods", "charter-review-periods.pk"),
        ("charter-reviews", "charter-reviews.pk"), ("charter-ratings", "charter-ratings.pk"),
    ):
        assert client.get(f"{API}{route}/{b[key]}/").status_code == 404
        assert client.get(f"/o/trust-b/api/{route}/").status_code == 404
    listed = client.get(API + "charter-ratings/").content.decode()
    assert "b.example.org" not in listed


def test_every_charter_route_is_in_the_openapi_schema(world, signed_in):
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    schema = yaml.safe_load(client.get(reverse("api-schema")).content)

    paths = set(schema["paths"])
    for route in ("charters", "charter-versions", "charter-commitments", "charter-review-periods",
                  "charter-reviews", "charter-ratings"):
        assert f"/o/{{org}}/api/{route}/" in paths
        assert f"/o/{{org}}/api/{route}/{{id}}/" in paths
    rating = schema["components"]["schemas"]["Rating"]["properties"]
    assert {"level", "evidence_missing", "evidence_files"} <= set(rating)
