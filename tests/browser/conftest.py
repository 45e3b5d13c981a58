"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Pages open at 360 x 740 (a small phone) unless a test asks for another size. Sign-in skips the
sign-in form: the session Django's test client creates is copied into the browser.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("STAFFWELL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
MISSING_CHROMIUM = f"BROWSER TESTS SKIPPED: {CHROMIUM} not found — apt-get install chromium"


def pytest_terminal_summary(terminalreporter):
    """A skipped browser suite must not pass unnoticed."""
    if not CHROMIUM.exists() and any(
        MISSING_CHROMIUM in str(getattr(report, "longrepr", ""))
        for report in terminalreporter.stats.get("skipped", [])
    ):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(MISSING_CHROMIUM, red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; Django would refuse
    # every database call from the test itself while it runs. The tests stay synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def browser_sign_in(browser_context, live_server, client):
    """Sign a person in for the browser: log the test client in (with a second factor, as the
    MFA rule demands for leads), then hand its session cookie to the browser."""
    from django.conf import settings

    from conftest import login_with_mfa

    def _sign_in(user):
        login_with_mfa(client, user)
        browser_context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    return _sign_in


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (vendored, see static/VENDORED.md) on the page; return the violations of the
    given impacts as a list of {"id", "impact", "help", "targets"}."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def describe(violations) -> str:
    """Violations as readable text for an assertion message."""
    return json.dumps(violations, indent=2, ensure_ascii=False)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
