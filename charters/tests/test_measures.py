"""A commitment linked to survey items shows each item's released value beside the rating:
a figure where the cell is published, "not reportable" where it is suppressed, and "no
results yet" before any release. Every page reads the value through measures.released_item_value.

Until the results selector is wired in, the released values are given here by replacing that one
function: the test is about what the pages do with each state, and about their reading it from
the one place that knows about suppression."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from charters import measures
from charters.measures import MeasureValue
from charters.models import Commitment, Rating
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .factories import adopt, open_period, rate_all, review_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(monkeypatch):
    """workload-4 is published (62 % favourable); workload-3's cell is suppressed."""
    seen = []

    def released_item_value(*, item, school=None):
        seen.append((item.code, school.pk if school else None))
        if item.code == "workload-4":
            return MeasureValue(state=measures.REPORTABLE, value=62.0, label="n = 31, 2024 survey")
        if item.code == "workload-3":
            return MeasureValue(state=measures.NOT_REPORTABLE, value=None, label="Fewer than 5 answers")
        return MeasureValue(state=measures.NO_RESULTS, value=None, label="")

    monkeypatch.setattr(measures, "released_item_value", released_item_value)
    return seen


def _workload_commitment(org, version):
    with organisation_scope(org):
        return Commitment.objects.get(version=version, key="workload-unnecessary-tasks")


def _item(html: str, text: str) -> str:
    start = html.index(text)
    return html[start: html.index("</li>", start)]


def test_the_rating_page_shows_the_released_value_and_not_reportable_for_a_suppressed_cell(world, signed_in, released):
    org = world.org("a")
    version = adopt(org)
    period = open_period(org, opens_on=datetime.date.today(), due_on=datetime.date.today())
    review = review_of(org, period, world.school("a"))
    commitment = _workload_commitment(org, version)
    client = signed_in(world.user("a", Role.SCHOOL_LEAD))

    html = client.get(reverse("charters:rate", kwargs={
        "org": "trust-a", "review_id": review.pk, "commitment_id": commitment.pk,
    })).content.decode()

    published = _item(html, "I can see the point of the paperwork and data tasks I am asked to do.")
    assert "62% favourable" in published and "n = 31, 2024 survey" in published
    suppressed = _item(html, "My workload is manageable within my working hours.")
    assert "Not reportable" in suppressed
    assert "%" not in suppressed  # no figure, and no guess at one
    # Values are read for the review's own school.
    assert ("workload-4", world.school("a").pk) in released


def test_the_staff_page_and_the_review_use_the_same_released_values(world, signed_in, released):
    org = world.org("a")
    adopt(org)
    period = open_period(org)
    rate_all(org, review_of(org, period, world.school("a")), level=Rating.Level.DEVELOPING, sign_off=True)
    client = signed_in(world.user("a", Role.GOVERNOR))

    review_page = client.get(reverse("charters:review", kwargs={
        "org": "trust-a", "review_id": review_of(org, period, world.school("a")).pk,
    })).content.decode()
    staff_page = client.get("/o/trust-a/charter/").content.decode()

    for html in (review_page, staff_page):
        assert "62% favourable" in _item(html, "I can see the point of the paperwork")
        assert "Not reportable" in _item(html, "My workload is manageable within my working hours.")


def test_before_any_release_every_linked_item_says_no_results_yet(world, signed_in):
    org = world.org("a")
    version = adopt(org)
    period = open_period(org, opens_on=datetime.date.today(), due_on=datetime.date.today())
    review = review_of(org, period, world.school("a"))
    commitment = _workload_commitment(org, version)

    html = signed_in(world.user("a", Role.ORGANISATION_LEAD)).get(reverse("charters:rate", kwargs={
        "org": "trust-a", "review_id": review.pk, "commitment_id": commitment.pk,
    })).content.decode()

    assert html.count('data-measure-state="no_results"') == 2
    assert "No results yet" in html and "% favourable" not in html
