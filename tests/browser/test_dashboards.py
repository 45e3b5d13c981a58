"""A wellbeing lead reads the results dashboards on a phone (360 px), accessibly."""

from __future__ import annotations

import os

import pytest

from surveys.tests.test_dashboards import two_waves
from tests.browser.conftest import axe_violations, describe, horizontal_overflow
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("STAFFWELL_SCREENSHOTS")  # a folder, to look at the pages by eye


def test_a_lead_reads_the_organisation_and_school_dashboards_at_360_px(page, live_server, world, browser_sign_in):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = (world.school("a", 0), world.school("a", 1))
        survey, _release = two_waves(organisation, schools)
    browser_sign_in(world.user("a", Role.ORGANISATION_LEAD))

    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    page.get_by_role("link", name="Read the results for every school").click()
    page.get_by_role("link", name="Organisation dashboard").first.click()  # newest wave first
    assert page.get_by_role("heading", level=1).inner_text() == f"{organisation.name}: results"
    heatmap = page.get_by_role("img", name="% favourable by school and area")
    assert heatmap.is_visible()
    # The page itself never scrolls sideways; wide charts and tables scroll inside their frame.
    assert horizontal_overflow(page) <= 0
    page.get_by_text("Data table: % favourable by school and area").click()
    assert page.get_by_role("table", name="% favourable by school and area").is_visible()
    violations = axe_violations(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/organisation.png", full_page=True)
    assert violations == [], describe(violations)

    page.get_by_label("Area", exact=True).select_option("leadership")
    page.get_by_role("button", name="Show trend").click()
    assert page.get_by_role("img", name="Leadership: % favourable by wave").is_visible() or \
        page.locator("svg[role=img] title", has_text="by wave").count() >= 1

    page.get_by_role("link", name=schools[0].name).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{schools[0].name}: results"
    assert horizontal_overflow(page) <= 0
    page.get_by_label("Group staff by", exact=True).select_option("contract")
    page.get_by_role("button", name="Show groups").click()
    assert page.locator("svg[role=img] title", has_text="by “").count() == 1
    violations = axe_violations(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/school.png", full_page=True)
    assert violations == [], describe(violations)

    page.locator("table a[href*='/items/']").first.click()
    assert page.get_by_role("heading", level=2, name="How people answered").is_visible()
    violations = axe_violations(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/item.png", full_page=True)
    assert violations == [], describe(violations)
