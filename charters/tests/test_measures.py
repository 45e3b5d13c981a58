"""A commitment linked to survey items shows each item's released value beside the rating: a
figure where the cell is published, "not reportable" where it is suppressed, and "no results
yet" before any release. Every page reads the value through measures.released_item_value, from
a real release: a survey answered by the surveys' generator, closed, and built by the release
service, with A School 2 too small for its cells to be shown (k = 10) and a third school's cells
hidden so that A School 2's cannot be worked out from the organisation's."""

from __future__ import annotations

import datetime
import random

import pytest
from django.urls import reverse

from charters import measures
from charters.models import Commitment, Rating
from surveys.generator import WaveProfile
from surveys.models import Release
from surveys.results import released_measure
from surveys.services.releases import release_build
from surveys.tests.waves import closed_wave
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role, School, StaffMember

from .factories import adopt, open_period, rate_all, review_of

pytestmark = pytest.mark.django_db


def _roster(school, size, seed):
    rng = random.Random(seed)
    StaffMember.objects.bulk_create([
        StaffMember(organisation_id=school.organisation_id, school=school, email=f"{school.pk}-{i}@example.org",
                    name=f"Person {i}", job_category=rng.choice(["teacher", "support"]), contract="full_time",
                    fte=1, start_year=2010)
        for i in range(size)
    ])


@pytest.fixture
def released(world):
    """A's 2026 survey, released: 40 staff at A School 1 (cells shown), 8 at A School 2 (too few
    for k = 10: its cells are suppressed), 30 at A School 3 (its cells hidden too: the
    organisation minus Schools 1 and 3 would be School 2). Returns the release."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        third = School.objects.create(name="A School 3", phase=School.Phase.SECONDARY)
        _roster(world.school("a", 0), 40, seed=1)
        _roster(world.school("a", 1), 8, seed=2)
        _roster(third, 30, seed=3)
        survey, _wave = closed_wave(organisation=organisation,
                                    schools=[world.school("a", 0), world.school("a", 1), third],
                                    seed=7, year=2026, threshold=10, demographics=("job_category",),
                                    title="Staff survey 2026", profile=WaveProfile(response_rate=0.95))
        return release_build(survey=survey, kind=Release.Kind.FINAL)


def _linked(org, commitment):
    """The survey items linked to the commitment."""
    with organisation_scope(org):
        return [link.item for link in commitment.item_links.select_related("item")]


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
    commitment = _workload_commitment(org, version)
    items = _linked(org, commitment)
    with organisation_scope(org):
        shown = [released_measure(release=released, school=world.school("a", 0), item=item) for item in items]
        hidden = [released_measure(release=released, school=world.school("a", 1), item=item) for item in items]
        texts = [item.text_in("en") for item in items]
    assert items and all(m.is_full for m in shown) and all(m.state == "not_reportable" for m in hidden)
    client = signed_in(world.user("a", Role.ORGANISATION_LEAD))

    def rate_page(school):
        return client.get(reverse("charters:rate", kwargs={
            "org": "trust-a", "review_id": review_of(org, period, school).pk, "commitment_id": commitment.pk,
        })).content.decode()

    big, small = rate_page(world.school("a", 0)), rate_page(world.school("a", 1))

    for text, measure in zip(texts, shown, strict=True):
        published = _item(big, text)
        assert f"{measure.pct_favourable}% favourable" in published
        assert f"n = {measure.cell.n}, Staff survey 2026" in published
    for text in texts:
        suppressed = _item(small, text)
        assert "Not reportable" in suppressed
        assert "%" not in suppressed and "n = " not in suppressed  # no figure, and no guess at one


def test_the_staff_page_and_the_review_use_the_same_released_values(world, signed_in, released):
    org = world.org("a")
    version = adopt(org)
    period = open_period(org)
    rate_all(org, review_of(org, period, world.school("a")), level=Rating.Level.DEVELOPING, sign_off=True)
    [item, *_rest] = _linked(org, _workload_commitment(org, version))
    with organisation_scope(org):
        value = released_measure(release=released, school=world.school("a"), item=item).pct_favourable
        text = item.text_in("en")
    client = signed_in(world.user("a", Role.GOVERNOR))

    review_page = client.get(reverse("charters:review", kwargs={
        "org": "trust-a", "review_id": review_of(org, period, world.school("a")).pk,
    })).content.decode()
    staff_page = client.get("/o/trust-a/charter/").content.decode()

    for html in (review_page, staff_page):
        assert f"{value}% favourable" in _item(html, text)


def test_the_organisation_figure_stays_and_another_schools_is_hidden_so_that_school_2_cannot_be_worked_out(
    world, released,
):
    """The organisation minus Schools 1 and 3 would be A School 2's 8 people: disclosure control
    keeps the organisation's figure (the one a trust reads first) and hides A School 3's instead,
    the smaller of the other two; the charter shows exactly that."""
    org = world.org("a")
    version = adopt(org)
    [item, *_rest] = _linked(org, _workload_commitment(org, version))
    with organisation_scope(org):
        third = School.objects.get(name="A School 3")
        organisation_cell = released_measure(release=released, item=item).cell
        third_cell = released_measure(release=released, school=third, item=item).cell
        whole = measures.released_item_value(item=item)
        at_third = measures.released_item_value(item=item, school=third)
        not_surveyed = School.objects.create(name="Not surveyed", phase=School.Phase.PRIMARY)
        unknown_school = measures.released_item_value(item=item, school=not_surveyed)
    assert organisation_cell.suppression == "" and whole.state == measures.REPORTABLE
    assert whole.value == organisation_cell.pct_favourable
    assert third_cell.suppression == "complementary"
    assert at_third.state == measures.NOT_REPORTABLE and at_third.value is None
    assert unknown_school.state == measures.NO_RESULTS and unknown_school.value is None


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
