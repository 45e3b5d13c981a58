"""The demo trust's charter: adopted from the general template, published, two signed-off
self-assessments for every school, some evidence files, a few flagged claims; loading twice
adds nothing."""

from __future__ import annotations

import io

import pytest

from charters import selectors
from charters.models import Charter, EvidenceFile, Rating, Review, ReviewPeriod
from charters.permissions import OverviewScope
from wellbeing.demo import Demo
from wellbeing.demo import charters as charter_demo
from wellbeing.demo import tenancy as tenancy_demo
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School


@pytest.mark.django_db
def test_northbrook_has_a_published_charter_and_two_completed_reviews_for_every_school(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    demo = Demo(stdout=io.StringIO())
    tenancy_demo.load(demo=demo)
    charter_demo.load(demo=demo)
    northbrook = demo.organisations["northbrook"]

    with organisation_scope(northbrook):
        charter = Charter.objects.get()
        version = selectors.published_version(charter=charter)
        assert charter.template == "general" and version.number == 1
        assert charter.title["cy"] == "Ein siarter llesiant staff"
        periods = list(ReviewPeriod.objects.order_by("opens_on"))
        assert [p.name for p in periods] == ["2023–24 self-assessment", "2024–25 self-assessment"]
        schools = School.objects.count()
        for period in periods:
            reviews = Review.objects.filter(period=period)
            assert reviews.count() == schools + 1  # every school and the trust itself
            assert all(review.is_signed_off for review in reviews)
            assert Rating.objects.filter(review__period=period).count() == (schools + 1) * 14
        assert EvidenceFile.objects.filter(review__period=periods[-1]).exists()
        grid = selectors.overview(
            period=periods[-1], scope=OverviewScope(None, True, None, True), organisation_name=northbrook.name
        )
        changes = {cell.change for row in grid.rows for cell in row.cells}
        assert {"up", "same"} <= changes
        assert 0 < grid.flagged < (schools + 1) * 14 // 4  # some claims lack evidence, not most

    charter_demo.load(demo=demo)
    with organisation_scope(northbrook):
        assert Charter.objects.count() == 1 and ReviewPeriod.objects.count() == 2
