"""A staff member takes the survey on a phone (Chromium, 360 x 740), as issue 3's done-when says:
opens the invitation link, switches to French, answers half, reloads, finds the answers kept,
sends them, and the lead's response-rate page shows one more response. Every survey page is
scanned with axe-core on the way (no serious or critical violation) and must fit the screen.
"""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.conf import settings

from surveys import services
from surveys.models import Item
from surveys.tests.factories import invite, make_survey
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .conftest import axe_violations, describe, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_page_is_fine(page, name):
    """No serious or critical accessibility problem, nothing wider than the phone."""
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe(violations)}"
    assert horizontal_overflow(page) == 0, name


def save_screenshot(page, name):
    artifacts = settings.BASE_DIR / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / name), full_page=True)


@pytest.fixture
def survey_and_links(world):
    organisation = world.org("a")
    organisation.support_contacts = "Employee assistance programme: 0800 000 111 (free, any time)"
    organisation.save()
    with organisation_scope(organisation):
        survey = make_survey(organisation=organisation, schools=[world.school("a", 0)], open_it=True)
        tokens = [invite(survey, world.school("a", 0))[1] for _ in range(6)]
        services.response_counts_refresh(survey=survey)
        items = {item.code: item for item in Item.objects.filter(instrument_id=survey.instrument_id)}
    return survey, tokens, items


def responded_on_rates_page(page, url, school):
    page.goto(url)
    row = page.locator(f'tr[data-school="{school.pk}"]')
    return int(row.locator("[data-responded]").inner_text())


def answer_items_on_page(page, items, value):
    """Choose `value` for every statement on the page, by clicking its label, as a person would."""
    codes = page.locator("fieldset input[type=radio]").evaluate_all(
        "inputs => [...new Set(inputs.map(input => input.name))]"
    )
    for code in codes:
        page.locator(f'label[for="id_{code}_{value - 1}"]').click()
    return codes


def test_a_phone_takes_the_survey_in_french_resumes_after_a_reload_and_the_lead_sees_it(
    page, live_server, world, celery_worker, browser_sign_in, survey_and_links
):
    survey, tokens, items = survey_and_links
    token = tokens[0]

    # The invitation link: exchanged at once, the address no longer holds the token.
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.url == f"{live_server.url}/s/survey/"
    assert token not in page.content()
    assert_page_is_fine(page, "start (en)")

    with page.expect_navigation():  # the same address comes back: wait for the navigation itself
        page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_page_is_fine(page, "start (fr)")
    save_screenshot(page, "survey-start-fr-360.png")
    page.locator(".govuk-button--start").click()

    total = int(page.locator("progress").get_attribute("max"))
    question_pages = total - 1
    item_pages = question_pages - 2  # then "about you" and the comments
    half = item_pages // 2
    answered = {}
    for number in range(1, half + 1):
        assert page.url == f"{live_server.url}/s/survey/{number}/"
        assert page.locator("#survey-progress-label").inner_text() == f"Page {number} sur {total}"
        first_code = page.locator("fieldset input[type=radio]").first.get_attribute("name")
        assert items[first_code].text_in("fr") in page.locator("legend").first.inner_text()
        assert_page_is_fine(page, f"items page {number}")
        for code in answer_items_on_page(page, items, value=2 + number % 3):
            answered[code] = 2 + number % 3
        page.locator('button[name=direction][value=next]').click()
    if half:
        save_screenshot(page, "survey-items-fr-360.png")

    # A reload (or a dropped connection): nothing typed is lost.
    page.reload()
    assert page.url == f"{live_server.url}/s/survey/{half + 1}/"
    page.goto(f"{live_server.url}/s/survey/")
    assert page.locator(".govuk-inset-text").is_visible()
    for number in range(1, half + 1):
        page.goto(f"{live_server.url}/s/survey/{number}/")
        for code in page.locator("fieldset input[type=radio]").evaluate_all(
            "inputs => [...new Set(inputs.map(input => input.name))]"
        ):
            assert page.locator(f'input[name="{code}"][value="{answered[code]}"]').is_checked(), code
    assert page.locator("html").get_attribute("lang") == "fr"

    page.goto(f"{live_server.url}/s/survey/")
    page.locator(".govuk-button--start").click()
    assert page.url == f"{live_server.url}/s/survey/{half + 1}/"
    for number in range(half + 1, item_pages + 1):
        assert_page_is_fine(page, f"items page {number}")
        for code in answer_items_on_page(page, items, value=4):
            answered[code] = 4
        page.locator('button[name=direction][value=next]').click()

    # About you: every question offers "prefer not to say".
    assert page.locator("fieldset").count() == 2
    assert page.locator('input[value="prefer_not_to_say"]').count() == 2
    assert_page_is_fine(page, "about you")
    page.locator('input[name="job_category"][value="teacher"] + label').click()
    page.locator('input[name="age_band"][value="prefer_not_to_say"] + label').click()
    page.locator('button[name=direction][value=next]').click()

    assert page.locator(".govuk-warning-text").is_visible()
    assert_page_is_fine(page, "comments")
    page.locator("textarea").first.fill("Moins de réunions le soir.")
    page.locator('button[name=direction][value=next]').click()

    assert page.url == f"{live_server.url}/s/survey/check/"
    assert "Moins de réunions le soir." in page.locator("main").inner_text()
    assert_page_is_fine(page, "check your answers")
    save_screenshot(page, "survey-check-fr-360.png")
    page.locator("form button[type=submit]").last.click()

    assert page.url == f"{live_server.url}/s/survey/done/"
    assert page.locator(".govuk-panel__title").is_visible()
    assert "0800 000 111" in page.locator("main").inner_text()
    assert_page_is_fine(page, "thank you")
    save_screenshot(page, "survey-done-fr-360.png")
    page.go_back()  # the back button after sending shows the thank-you page, not an error
    assert page.url.endswith("/s/survey/done/") or page.locator(".govuk-panel__title").is_visible()

    page.goto(f"{live_server.url}/s/privacy/")
    assert_page_is_fine(page, "privacy")

    # The lead's response-rate page: one more response, once the worker has recounted.
    browser_sign_in(world.user("a", Role.ORGANISATION_LEAD))
    url = f"{live_server.url}/o/trust-a/surveys/{survey.pk}/responses/"
    deadline = time.monotonic() + 30
    while responded_on_rates_page(page, url, world.school("a", 0)) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert responded_on_rates_page(page, url, world.school("a", 0)) == 1
    assert re.search(r"17\s*%", page.locator(f'tr[data-school="{world.school("a", 0).pk}"]').inner_text())
    assert_page_is_fine(page, "response rates")


def test_every_page_that_explains_a_problem_is_accessible_and_fits(page, live_server, world, survey_and_links):
    survey, tokens, _items = survey_and_links

    page.goto(f"{live_server.url}/s/{'A' * 22}/")
    assert page.url == f"{live_server.url}/s/link/not-valid/"
    assert_page_is_fine(page, "link not valid")

    page.goto(f"{live_server.url}/s/survey/")
    assert_page_is_fine(page, "no survey session")

    page.goto(f"{live_server.url}/s/privacy/")
    assert_page_is_fine(page, "privacy without a session")

    services.response_submit(token=tokens[1], answers={"workload-1": 3})
    page.goto(f"{live_server.url}/s/{tokens[1]}/")
    assert page.url == f"{live_server.url}/s/link/used/"
    assert_page_is_fine(page, "link used")

    with organisation_scope(world.org("a")):
        later = make_survey(
            organisation=world.org("a"), schools=[world.school("a", 0)], opens_in=datetime.timedelta(days=3),
            title="Pulse survey",
        )
        services.survey_schedule(survey=later)
        _invitation, not_yet = invite(later, world.school("a", 0))
    page.goto(f"{live_server.url}/s/{not_yet}/")
    assert "Pulse survey" in page.locator("main").inner_text()
    assert_page_is_fine(page, "not open yet")

    page.goto(f"{live_server.url}/s/{tokens[2]}/")
    with organisation_scope(world.org("a")):
        services.survey_close(survey=survey)
    page.goto(f"{live_server.url}/s/survey/")
    assert_page_is_fine(page, "closed")


def test_the_shared_link_poster_and_a_second_answer_from_the_same_phone(
    page, live_server, world, browser_sign_in, survey_and_links
):
    survey, _tokens, _items = survey_and_links
    browser_sign_in(world.user("a", Role.SCHOOL_LEAD))
    page.goto(f"{live_server.url}/o/trust-a/surveys/{survey.pk}/school-links/")
    assert_page_is_fine(page, "shared links")
    page.get_by_role("button", name=re.compile("Make a shared link")).click()
    assert page.locator("svg.sw-poster__qr").is_visible()
    assert_page_is_fine(page, "poster")
    link = page.locator(".sw-poster__url").inner_text().strip()

    page.context.clear_cookies()
    page.goto(link.replace(settings.SITE_URL.rstrip("/"), live_server.url))
    page.locator(".govuk-button--start").click()
    page.locator("fieldset label").first.click()
    page.locator('button[name=direction][value=next]').click()
    page.goto(f"{live_server.url}/s/survey/check/")
    page.locator("form button[type=submit]").last.click()
    assert page.url == f"{live_server.url}/s/survey/done/"

    page.goto(link.replace(settings.SITE_URL.rstrip("/"), live_server.url))
    assert "already been sent from this device" in page.locator("h1").inner_text()
    assert_page_is_fine(page, "already sent from this device")
