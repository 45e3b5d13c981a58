"""The trust view: schools x commitments with the change since the previous review (in words,
not colour alone), evidence flags, who sees what, and exports that never run a formula."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from charters import services
from charters.models import Commitment, Rating
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .factories import adopt, open_period, rate_all, review_of

pytestmark = pytest.mark.django_db
OVERVIEW = "/o/trust-a/charter/overview/"


@pytest.fixture
def two_reviews(world):
    """Trust A: a signed-off review last year and this year's, for school one and the organisation."""
    org = world.org("a")
    version = adopt(org)
    last = open_period(org, name="2023–24", opens_on=datetime.date(2023, 10, 1), due_on=datetime.date(2024, 3, 1))
    for school in (world.school("a", 0), None):
        rate_all(org, review_of(org, last, school), level=Rating.Level.DEVELOPING, sign_off=True,
                 on=datetime.date(2024, 2, 1))
    this = open_period(org, name="2024–25", opens_on=datetime.date(2024, 10, 1), due_on=datetime.date(2025, 3, 1))
    review = review_of(org, this, world.school("a", 0))
    with organisation_scope(org):
        by_key = {c.key: c for c in Commitment.objects.filter(version=version)}
        services.rating_save(review=review, commitment=by_key["workload-unnecessary-tasks"],
                             level=Rating.Level.EMBEDDED, links=[("https://example.org/policy", "Policy")])
        services.rating_save(review=review, commitment=by_key["workload-meetings-email"],
                             level=Rating.Level.NOT_STARTED)
        # School two has no earlier review: nothing carried, and this claim has no evidence.
        services.rating_save(review=review_of(org, this, world.school("a", 1)), commitment=by_key["health-support"],
                             level=Rating.Level.EMBEDDED, narrative='=HYPERLINK("http://evil.example","Click")')
    return {"org": org, "this": this, "last": last, "review": review}


def test_the_grid_shows_each_change_since_the_previous_review_in_words(world, signed_in, two_reviews):
    html = signed_in(world.user("a", Role.ORGANISATION_LEAD)).get(OVERVIEW).content.decode()

    assert '<span class="sw-change__arrow" aria-hidden="true">↑</span> Up from Developing' in html
    assert '<span class="sw-change__arrow" aria-hidden="true">↓</span> Down from Developing' in html
    # Ratings carried forward unchanged, still "developing": 12 for school one, 14 for the organisation.
    assert html.count("→</span> No change") == 12 + 14
    assert "Compared with" in html and "2023–24" in html
    # School two's health-support claims "embedded" with no evidence: flagged, in words.
    assert html.count("⚠</span> No evidence") == 1
    assert 'id="flagged-count">1<' in html


def test_trustees_see_only_signed_off_reviews_and_governors_only_their_school(world, signed_in, two_reviews):
    trustee = signed_in(world.user("a", Role.TRUSTEE)).get(OVERVIEW).content.decode()
    assert "Up from Developing" not in trustee  # this year's review is still being written
    assert trustee.count("Not shown yet") == 14 * 3  # organisation, school one, school two

    last_year = signed_in(world.user("a", Role.TRUSTEE)).get(OVERVIEW, {"period": two_reviews["last"].pk})
    assert last_year.content.decode().count('class="govuk-tag govuk-tag--yellow"') == 14 * 2

    governor = signed_in(world.user("a", Role.GOVERNOR)).get(OVERVIEW, {"period": two_reviews["last"].pk}).content.decode()
    assert "A School 1" in governor and "A School 2" not in governor and ">Trust A</th>" not in governor

    partner = signed_in(world.user("a", Role.PARTNER)).get(OVERVIEW, {"period": two_reviews["last"].pk}).content.decode()
    assert partner.count('class="govuk-tag govuk-tag--yellow"') == 14 * 2
    assert "/charter/reviews/" not in partner  # the overview, not the reviews behind it

    assert signed_in(world.user("a", Role.STAFF)).get(OVERVIEW).status_code == 404
    assert signed_in(world.user("a", Role.ORGANISATION_ADMIN)).get(OVERVIEW).status_code == 404


def test_csv_export_escapes_formula_looking_cells(world, signed_in, two_reviews):
    response = signed_in(world.user("a", Role.ORGANISATION_LEAD)).get(
        reverse("charters:overview_csv", kwargs={"org": "trust-a"}), {"period": two_reviews["this"].pk}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Review period", "School", "Area", "Commitment", "Rating"]
    narratives = [row[header.index("What is in place")] for row in body]
    assert "'=HYPERLINK(\"http://evil.example\",\"Click\")" in narratives
    assert not any(cell.startswith("=") for row in body for cell in row)
    workload = next(row for row in body if row[1] == "A School 1" and row[3].startswith("We will remove tasks"))
    assert workload[4:7] == ["Embedded", "Developing", "Up"]


def test_xlsx_export_stores_formula_looking_text_as_text(world, signed_in, two_reviews):
    response = signed_in(world.user("a", Role.ORGANISATION_LEAD)).get(
        reverse("charters:overview_xlsx", kwargs={"org": "trust-a"}), {"period": two_reviews["this"].pk}
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    narrative = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert narrative.value.startswith("'=") and narrative.data_type == "s"
    assert not any(c.data_type == "f" for c in cells)
