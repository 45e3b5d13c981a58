"""The staff wellbeing charter in a real browser on a 360 px phone: a school lead completes a
self-assessment with a PDF as evidence and signs it off; a member of staff reads the charter in
Welsh; the charter's pages have no serious or critical accessibility problems."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from charters.models import Commitment, EvidenceFile, Rating, Review
from charters.tests.factories import PDF_BYTES, adopt, open_period, rate_all, review_of
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role
from wellbeing.tenancy.tests.factories import StaffMemberFactory

from .conftest import axe_violations, describe, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"


def save_screenshot(page, name):
    """For a person to look at after the run (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _check_page(page):
    assert horizontal_overflow(page) == 0, f"{page.url} is wider than the phone"
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"


def test_a_school_lead_completes_a_review_with_a_pdf_and_signs_it_off(page, live_server, world, browser_sign_in,
                                                                       settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    org = world.org("a")
    version = adopt(org)
    today = datetime.date.today()
    period = open_period(org, name="2025–26 self-assessment", opens_on=today, due_on=today + datetime.timedelta(days=30))
    review = review_of(org, period, world.school("a"))
    with organisation_scope(org):
        last = Commitment.objects.filter(version=version).order_by("order").last()
    rate_all(org, review, level=Rating.Level.DEVELOPING)
    with organisation_scope(org):
        Rating.objects.filter(review=review, commitment=last).delete()  # the one left to do
    browser_sign_in(world.user("a", Role.SCHOOL_LEAD))

    page.goto(live_server.url + "/o/trust-a/charter/reviews/")
    _check_page(page)
    page.get_by_role("link", name="A School 1 – 2025–26 self-assessment").click()
    assert page.locator("h1").inner_text() == "A School 1"
    _check_page(page)
    # GOV.UK's visually hidden text is read with a space before it: "Rate this commitment : We will...".
    page.get_by_role("link", name=re.compile(r"Rate this commitment\s*:\s*" + re.escape(last.statement["en"]))).click()

    page.get_by_label("Embedded").check()
    page.get_by_label("What is in place, and what is next").fill("Return-to-work plans agreed with every colleague.")
    page.set_input_files('input[name="evidence_file"]', files=[
        {"name": "Return to work plan.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    ])
    _check_page(page)
    page.get_by_role("button", name="Save the rating", exact=True).click()

    assert "Your rating was saved." in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_role("link", name="Return to work plan.pdf").is_visible()
    page.get_by_role("link", name="Sign off this review").click()
    _check_page(page)
    page.get_by_role("button", name="Sign off", exact=True).click()

    assert "Signed off on" in page.locator("#signed-off").inner_text()
    save_screenshot(page, "charter-review-signed-off-360.png")
    assert page.get_by_role("link", name="Sign off this review").count() == 0
    with organisation_scope(org):
        review = Review.objects.get(pk=review.pk)
        assert review.is_signed_off
        rating = Rating.objects.get(review=review, commitment=last)
        assert rating.level == Rating.Level.EMBEDDED
        assert EvidenceFile.objects.get(rating=rating).original_name == "Return to work plan.pdf"


def test_a_member_of_staff_reads_the_charter_in_welsh_on_a_phone(page, live_server, world, browser_sign_in):
    org = world.org("a")
    adopt(org)
    period = open_period(org)
    rate_all(org, review_of(org, period, world.school("a")), level=Rating.Level.EMBEDDED, sign_off=True)
    staff = world.user("a", Role.STAFF)
    with organisation_scope(org):
        StaffMemberFactory(school=world.school("a"), email=staff.email)
    browser_sign_in(staff)

    page.goto(live_server.url + "/o/trust-a/charter/")
    page.get_by_role("button", name="Cymraeg").click()

    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Ein siarter llesiant staff"
    assert page.get_by_role("heading", name="Byddwn yn cefnogi staff sy’n dychwelyd ar ôl salwch").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(page, "charter-staff-cy-360.png")
    _check_page(page)

    page.locator("#acknowledgement button").click()
    assert "govuk-inset-text" in page.locator("#acknowledgement").get_attribute("class")
    _check_page(page)


def test_the_leads_charter_pages_have_no_serious_accessibility_problems(page, live_server, world, browser_sign_in):
    org = world.org("a")
    browser_sign_in(world.user("a", Role.ORGANISATION_LEAD))

    page.goto(live_server.url + "/o/trust-a/charter/manage/")
    _check_page(page)
    page.get_by_role("link", name="Start from a template").click()
    _check_page(page)
    page.get_by_role("button", name="Adopt this template").click()  # nothing chosen: errors
    assert page.locator(".govuk-error-summary").is_visible()
    _check_page(page)
    page.get_by_role("radio", name=re.compile(r"^Staff wellbeing charter")).check()
    page.get_by_role("button", name="Adopt this template").click()
    assert "The template is now the draft of your charter" in page.locator(".govuk-notification-banner").inner_text()
    _check_page(page)
    page.get_by_role("link", name="Add a commitment").click()
    _check_page(page)
    page.go_back()
    page.get_by_role("link", name="Publish this version").click()
    _check_page(page)
    page.get_by_role("button", name="Publish", exact=True).click()

    last = open_period(org, name="2023–24", opens_on=datetime.date(2023, 10, 1), due_on=datetime.date(2024, 3, 1))
    rate_all(org, review_of(org, last, world.school("a")), level=Rating.Level.DEVELOPING, sign_off=True)
    this = open_period(org, name="2024–25", opens_on=datetime.date(2024, 10, 1), due_on=datetime.date(2025, 3, 1))
    rate_all(org, review_of(org, this, world.school("a")), level=Rating.Level.EMBEDDED, with_evidence=False)
    for path in ("charter/", "charter/overview/", "charter/reviews/", "charter/reviews/periods/add/", "charter/comments/"):
        page.goto(f"{live_server.url}/o/trust-a/{path}")
        _check_page(page)
    page.goto(f"{live_server.url}/o/trust-a/charter/overview/")
    assert page.get_by_text("Up from Developing").first.is_visible()
    save_screenshot(page, "charter-overview-360.png")
