"""From results to action and back to staff, in a real browser on a 360 px phone: a trust's
wellbeing lead picks a concern on the organisation's results dashboard, creates an action from
it, reports progress with an evidence file, and publishes a "you said, we did" update quoting
the concern's released figure; a member of staff then reads it on their page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from actionplans.models import Action, ActionFinding, Evidence, YouSaidWeDid
from actionplans.services import academic_year_of
from actionplans.tests import factories, results
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import Role

from .conftest import axe_violations, describe, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _check_page(page):
    assert horizontal_overflow(page) <= 0, f"{page.url} is wider than the phone"
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"


def test_a_lead_turns_a_dashboard_concern_into_an_action_and_staff_read_what_was_done(
    page, live_server, world, browser_sign_in, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    organisation, lead, staff = world.org("a"), world.user("a", Role.ORGANISATION_LEAD), world.user("a", Role.STAFF)
    with organisation_scope(organisation):
        results.staff(world.school("a", 0), 40, seed=1, emails=(staff.email,))
        results.staff(world.school("a", 1), 30, seed=2)
        survey, _release = results.published_wave(organisation=organisation,
                                                  schools=[world.school("a", 0), world.school("a", 1)], year=2026)
        plan = factories.plan(organisation=organisation, created_by=lead, year=academic_year_of(timezone.localdate()))
    browser_sign_in(lead)

    # The organisation's dashboard: its concerns, each with "Create action from this".
    page.goto(f"{live_server.url}/o/trust-a/results/{survey.pk}/")
    concerns = page.locator("#concerns-table tbody tr")
    assert concerns.count() > 0
    concern = concerns.first
    cell_key = concern.get_attribute("data-cell")
    concern_text = concern.locator("th").first.inner_text().split("\n")[0].strip()
    concern.get_by_role("link", name="Create action from this").click()

    # The new action's form shows the finding it answers, with its released figure.
    assert page.get_by_role("heading", level=1).inner_text() == "Add an action"
    finding = page.locator("#finding")
    assert concern_text in finding.inner_text() and "% favourable" in finding.inner_text()
    _check_page(page)
    page.get_by_label("Title").fill("Termly workload review with staff")
    page.get_by_label("Systemic").check()
    page.get_by_label("Wellbeing area").select_option("workload")
    page.get_by_label("Due date").fill(f"{timezone.localdate().year + 1}-03-31")
    page.get_by_role("button", name="Add the action").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Termly workload review with staff"
    assert concern_text in page.locator("#findings").inner_text()
    with organisation_scope(organisation):
        action = Action.objects.get(title="Termly workload review with staff")
        linked = ActionFinding.objects.select_related("cell").get(action=action)
    assert action.plan_id == plan.pk and linked.cell.key == cell_key

    # A progress update with a PDF as evidence.
    page.get_by_role("link", name="Add a progress update").click()
    page.get_by_label("What happened").fill("First review meeting held; marking policy rewritten with staff.")
    page.get_by_label("Status of the action").select_option("in_progress")
    page.set_input_files('input[name="files"]', files=[
        {"name": "Review minutes.pdf", "mimeType": "application/pdf", "buffer": PDF},
    ])
    _check_page(page)
    page.get_by_role("button", name="Save the update").click()
    assert page.get_by_role("link", name="Review minutes.pdf").is_visible()
    with organisation_scope(organisation):
        assert Evidence.objects.filter(update__action=action).count() == 1

    # "You said, we did", quoting the concern's released figure.
    page.goto(f"{live_server.url}/o/trust-a/you-said-we-did/")
    page.get_by_role("link", name="Publish an update").click()
    page.get_by_label("Who is it for?").select_option("organisation")
    page.get_by_label("You said").fill("Marking and data tasks were taking up your evenings.")
    page.get_by_label("We did").fill("We rewrote the marking policy with you and review workload every term.")
    page.get_by_label("The action it reports on (optional)").select_option(label=action.title)
    page.get_by_label("The finding (optional)").select_option(index=1)
    page.get_by_label("Quote the finding's released figure").check()
    _check_page(page)
    page.get_by_role("button", name="Publish", exact=True).click()
    with organisation_scope(organisation):
        post = YouSaidWeDid.objects.get()
    assert post.quoted_value == linked.cell.pct_favourable and post.action_id == action.pk

    # A member of staff reads it.
    page.context.clear_cookies()
    browser_sign_in(staff)
    page.goto(f"{live_server.url}/o/trust-a/you-said-we-did/")
    body = page.locator("main").inner_text()
    assert "Marking and data tasks were taking up your evenings." in body
    assert "We rewrote the marking policy with you" in body
    assert f"{linked.cell.pct_favourable}%" in body
    _check_page(page)
