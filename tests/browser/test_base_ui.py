"""The page frame in a real browser, on a 360 px phone: fits, accessible, keyboard-first, bilingual.

Set STAFFWELL_SCREENSHOT=1 to refresh docs/screenshot.png (the README's picture); otherwise the
screenshot goes to test-artifacts/ only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from wellbeing.tenancy.models import Role

from .conftest import axe_violations, describe, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def save_screenshot(page, name):
    """For a person to look at after the run (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_login_page_fits_a_phone_and_has_no_serious_accessibility_problems(page, live_server):
    page.goto(live_server.url + reverse("account_login"))

    assert page.locator("h1").inner_text() == "Sign in to Staffwell"
    save_screenshot(page, "login-360.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_sign_in_errors_are_announced_and_focused(page, live_server, world):
    page.goto(live_server.url + reverse("account_login"))

    page.get_by_label("Email").fill("staff@a.example.org")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # GOV.UK Frontend's script moves focus to the summary so screen readers read it first.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.get_by_label("Email").input_value() == "staff@a.example.org"
    summary.get_by_role("link", name="This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "id_password"
    assert axe_violations(page) == []


@pytest.mark.parametrize("role", [Role.ORGANISATION_ADMIN, Role.SCHOOL_LEAD, Role.STAFF], ids=lambda r: r.value)
def test_role_home_page_fits_a_phone_and_has_no_serious_accessibility_problems(
    page, live_server, world, browser_sign_in, role
):
    browser_sign_in(world.user("a", role))

    page.goto(live_server.url + "/")

    assert page.url == live_server.url + "/o/trust-a/"
    card = page.locator(f'[data-role="{role.value}"]')
    assert card.locator("h2").inner_text() == role.label
    save_screenshot(page, f"home-{role.value}-360.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page, live_server, world, browser_sign_in):
    browser_sign_in(world.user("a", Role.ORGANISATION_LEAD))
    page.goto(live_server.url + "/o/trust-a/")

    page.keyboard.press("Tab")

    focused = page.evaluate("({text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href')})")
    assert focused == {"text": "Skip to main content", "href": "#main-content"}
    assert page.locator(".govuk-skip-link").is_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_language_switcher_works_with_the_keyboard_and_remembers_the_choice(
    page, live_server, world, browser_sign_in
):
    browser_sign_in(world.user("a", Role.STAFF))
    page.goto(live_server.url + "/o/trust-a/")

    page.get_by_role("button", name="Cymraeg").focus()
    # The form posts and comes back to the same address: wait for that navigation itself (the
    # page in hand is already loaded, so waiting for a load state could return at once).
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == live_server.url + "/o/trust-a/"
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.get_by_role("button", name="Cymraeg").get_attribute("aria-current") == "true"
    assert "Dyma beth allwch chi ei wneud nesaf." in page.locator("main").inner_text()

    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto(live_server.url + "/o/trust-a/")
    assert "Voici ce que vous pouvez faire ensuite." in page.locator("main").inner_text()


def test_organisation_switcher_opens_without_javascript_help(page, live_server, world, browser_sign_in):
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.tests.factories import MembershipFactory

    person = world.user("a", Role.TRUSTEE)
    with organisation_scope(world.org("b")):
        MembershipFactory(user=person, role=Role.PARTNER)
    browser_sign_in(person)
    page.goto(live_server.url + "/o/trust-a/")

    page.get_by_text("Switch organisation").click()
    page.get_by_role("link", name="Trust B").click()

    assert page.url == live_server.url + "/o/trust-b/"
    assert page.locator('[data-role="partner"] h2').inner_text() == Role.PARTNER.label
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_screenshot_of_the_organisation_home_page(browser, live_server, world, client):
    """The README's picture: a person with several roles, on a laptop-sized window."""
    from conftest import login_with_mfa
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.tests.factories import MembershipFactory

    person = world.user("a", Role.ORGANISATION_LEAD)
    person.full_name = "Alex Morgan"
    person.save(update_fields=["full_name"])
    with organisation_scope(world.org("a")):
        MembershipFactory(user=person, role=Role.ORGANISATION_ADMIN)
        MembershipFactory(user=person, role=Role.STAFF)
    login_with_mfa(client, person)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + "/o/trust-a/")

    assert page.locator("[data-role]").count() == 3
    save_screenshot(page, "organisation-home-1280.png")
    if os.environ.get("STAFFWELL_SCREENSHOT"):
        page.screenshot(path=str(Path(settings.BASE_DIR) / "docs" / "screenshot.png"), full_page=True)
    context.close()
