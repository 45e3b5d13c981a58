"""Action plans and actions: who may read and change them, "create action from this", progress
updates with evidence files, history, exports and overdue reminders."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from actionplans import services, tasks
from actionplans.models import Action, ActionFinding, ChangeRecord, Evidence, ProgressUpdate
from actionplans.tests import factories, results
from surveys.models import ResultCell
from wellbeing.tenancy.context import organisation_scope

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def plans(world):
    """School 1 and school 2 of organisation A each have a plan with one action."""
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        own = factories.plan(organisation=world.org("a"), created_by=lead, school=world.school("a", 0))
        other = factories.plan(organisation=world.org("a"), created_by=lead, school=world.school("a", 1))
        own_action = factories.action(plan=own, created_by=lead, title="Own school's action")
        other_action = factories.action(plan=other, created_by=lead, title="Other school's action")
    return {"own": own, "other": other, "own_action": own_action, "other_action": other_action}


# --- Who sees and changes what -------------------------------------------------------------------
def test_a_school_lead_cannot_see_or_change_another_schools_plan(world, plans, signed_in):
    client = signed_in(world.user("a", "school_lead"))  # lead of school 1
    other, action = plans["other"], plans["other_action"]
    pages = [
        f"/o/trust-a/plans/{other.pk}/",
        f"/o/trust-a/plans/{other.pk}/export.csv",
        f"/o/trust-a/actions/{action.pk}/",
        f"/o/trust-a/actions/{action.pk}/edit/",
        f"/o/trust-a/actions/{action.pk}/updates/new/",
    ]

    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    response = client.post(f"/o/trust-a/actions/{action.pk}/edit/", {
        "title": "Taken over", "level": "systemic", "area": "workload", "status": "done",
        "due_date": "2027-01-01",
    })
    assert response.status_code == 404
    response = client.post(f"/o/trust-a/actions/{action.pk}/updates/new/", {"date": "2026-11-01", "note": "x"})
    assert response.status_code == 404
    with organisation_scope(world.org("a")):
        action.refresh_from_db()
        assert (action.title, action.status) == ("Other school's action", Action.Status.PLANNED)
        assert not ProgressUpdate.objects.exists()
    index = client.get("/o/trust-a/plans/").content.decode()
    assert f'data-plan="{plans["own"].pk}"' in index and f'data-plan="{other.pk}"' not in index
    assert client.get(f"/o/trust-a/plans/{plans['own'].pk}/").status_code == 200


def test_a_school_lead_cannot_file_an_action_into_another_schools_plan(world, plans, signed_in):
    client = signed_in(world.user("a", "school_lead"))

    response = client.post("/o/trust-a/actions/new/", {
        "plan": plans["other"].pk, "title": "Sneaked in", "level": "individual", "area": "workload",
        "status": "planned", "due_date": "2027-01-01",
    })

    assert response.status_code == 400
    with organisation_scope(world.org("a")):
        assert not Action.objects.filter(title="Sneaked in").exists()


def test_governors_read_their_school_trustees_read_all_and_staff_see_no_plans(world, plans, signed_in):
    own, other = plans["own"], plans["other"]

    governor = signed_in(world.user("a", "governor"))
    assert governor.get(f"/o/trust-a/plans/{own.pk}/").status_code == 200
    assert governor.get(f"/o/trust-a/plans/{other.pk}/").status_code == 404
    assert governor.get(f"/o/trust-a/actions/{plans['own_action'].pk}/edit/").status_code == 404
    assert "Add an action" not in governor.get(f"/o/trust-a/plans/{own.pk}/").content.decode()

    trustee = signed_in(world.user("a", "trustee"))
    assert trustee.get(f"/o/trust-a/plans/{other.pk}/").status_code == 200
    assert trustee.get("/o/trust-a/actions/new/").status_code == 404

    staff = signed_in(world.user("a", "staff"))
    assert staff.get("/o/trust-a/plans/").status_code == 404
    assert staff.get(f"/o/trust-a/plans/{own.pk}/").status_code == 404
    assert staff.get("/o/trust-a/objectives/").status_code == 404


def test_an_action_serves_only_its_own_schools_or_the_organisations_objectives(world, plans):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        elsewhere = factories.manual_objective(organisation=world.org("a"), created_by=lead,
                                               school=world.school("a", 1), title="School 2's absence")
        trust_wide = factories.manual_objective(organisation=world.org("a"), created_by=lead, title="Trust absence")
        with pytest.raises(Exception) as refused:
            factories.action(plan=plans["own"], created_by=lead, objectives=[elsewhere])
        action = factories.action(plan=plans["own"], created_by=lead, objectives=[trust_wide])
        assert list(action.objectives.all()) == [trust_wide]
    assert refused.value.error_dict["objectives"][0].code == "objective_scope"


def test_an_action_names_the_charter_commitments_it_helps_keep(world, plans, signed_in):
    from charters.models import Commitment
    from charters.tests.factories import adopt

    version = adopt(world.org("a"))
    with organisation_scope(world.org("a")):
        commitment = Commitment.objects.filter(version=version, area="workload").first()
    client = signed_in(world.user("a", "school_lead"))
    form = client.get(f"/o/trust-a/actions/new/?plan={plans['own'].pk}").content.decode()
    assert f'value="{commitment.pk}"' in form

    response = client.post(f"/o/trust-a/actions/new/?plan={plans['own'].pk}", {
        "plan": plans["own"].pk, "title": "Email curfew", "level": "systemic", "area": "workload",
        "status": "planned", "due_date": "2027-03-31", "commitments": [commitment.pk],
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        action = Action.objects.get(title="Email curfew")
        assert list(action.commitments.all()) == [commitment]
    page = client.get(response["Location"]).content.decode()
    assert commitment.statement_in("en") in page.split('id="commitments"')[1].split("</dd>")[0]


# --- "Create action from this" -------------------------------------------------------------------
@pytest.fixture
def released(world):
    """A published release of A's two schools, built from generated answers."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        results.staff(world.school("a", 0), 40, seed=1)
        results.staff(world.school("a", 1), 30, seed=2)
        survey, release = results.published_wave(organisation=organisation,
                                                  schools=[world.school("a", 0), world.school("a", 1)], year=2026)
        workload = results.item_cell(release, school=world.school("a", 0))
        other_school = results.item_cell(release, school=world.school("a", 1))
        suppressed = ResultCell.objects.filter(release=release, disclosure="suppressed", item__isnull=False).first()
        workload.item.text_in("en")  # read now, in the organisation's scope
    assert workload.disclosure == "full" and suppressed is not None
    return {"survey": survey, "release": release, "workload": workload, "other_school": other_school,
            "suppressed": suppressed}


def _links(world, user, cell):
    """The links action plans add beside `cell` on a results dashboard, for `user`."""
    from types import SimpleNamespace

    from surveys.hooks import cell_actions
    from wellbeing.tenancy.models import Membership
    from wellbeing.tenancy.permissions import Access

    organisation = world.org("a")
    with organisation_scope(organisation):
        memberships = tuple(Membership.objects.filter(user=user, is_active=True).select_related("school"))
        request = SimpleNamespace(user=user, organisation=organisation,
                                  access=Access(organisation=organisation, memberships=memberships))
        return cell_actions.links(request, cell)


def test_the_dashboard_offers_create_action_from_this_to_the_cells_leads_only(world, released):
    school_lead, governor = world.user("a", "school_lead"), world.user("a", "governor")
    organisation_lead = world.user("a", "organisation_lead")

    [(label, url)] = _links(world, school_lead, released["workload"])

    assert label == "Create action from this"
    assert url.startswith("/o/trust-a/actions/new/?") and f"release={released['release'].pk}" in url
    assert _links(world, school_lead, released["other_school"]) == []  # not their school
    assert _links(world, governor, released["workload"]) == []  # reads, does not plan
    assert len(_links(world, organisation_lead, released["other_school"])) == 1
    assert _links(world, organisation_lead, released["suppressed"]) == []  # nothing to act on


def test_create_action_from_this_shows_the_finding_and_links_the_action_to_its_result_cell(
    world, plans, released, signed_in
):
    client = signed_in(world.user("a", "school_lead"))
    survey, cell = released["survey"], released["workload"]
    dashboard = client.get(f"/o/trust-a/results/{survey.pk}/schools/{world.school('a').pk}/").content.decode()
    row = dashboard.split(f'data-cell="{cell.key}"')[1].split("</tr>")[0]
    address = row.split('href="')[-1].split('"')[0].replace("&amp;", "&")

    form = client.get(address).content.decode()
    finding = form.split('id="finding"')[1].split("</div>")[0]
    assert cell.item.text_in("en") in finding and world.school("a").name in finding
    assert f"{cell.pct_favourable}% favourable" in finding
    assert f'<option value="{plans["own"].pk}" selected>' in form  # this year's plan of the finding's school

    response = client.post(address, {
        "plan": plans["own"].pk, "title": "Marking policy review", "level": "systemic", "area": "workload",
        "status": "planned", "due_date": "2027-03-31", "release": str(cell.release_id), "cell": cell.key,
        "finding_description": "",
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        action = Action.objects.get(title="Marking policy review")
        linked = ActionFinding.objects.select_related("cell").get(action=action)
        record = ChangeRecord.objects.get(subject="action", subject_id=action.pk)
    assert linked.cell == cell  # the result cell itself, not a copy of its figures
    assert linked.description.startswith(cell.item.text_in("en")) and world.school("a").name in linked.description
    assert linked.description in record.note
    page = client.get(response["Location"]).content.decode()
    assert f'data-finding-release="{cell.release_id}" data-finding-cell="{cell.key}"' in page
    api = client.get(f"/o/trust-a/api/actions/{action.pk}/")
    assert api.json()["findings"] == [
        {"release_id": cell.release_id, "cell_key": cell.key, "description": linked.description}]


@pytest.mark.parametrize("which", ["unknown", "another organisation's", "another school's"])
def test_a_finding_the_lead_may_not_cite_is_not_shown_and_no_action_is_made(world, plans, released, signed_in, which):
    release_id, key = released["release"].pk, released["other_school"].key
    lead = world.user("a", "school_lead")  # leads A School 1 only
    if which == "unknown":
        key = "school/school:999999/-/domain:workload"
    elif which == "another organisation's":
        with organisation_scope(world.org("b")):
            results.staff(world.school("b", 0), 30, seed=5)
            _survey, b_release = results.published_wave(organisation=world.org("b"), schools=[world.school("b", 0)],
                                                        year=2026)
            release_id, key = b_release.pk, results.domain_cell(b_release, school=world.school("b", 0)).key
    client = signed_in(lead)
    address = f"/o/trust-a/actions/new/?release={release_id}&cell={key}"

    form = client.get(address).content.decode()
    assert "% favourable" not in form.split('id="finding"')[1].split("</div>")[0]
    response = client.post(address, {
        "plan": plans["own"].pk, "title": "Something", "level": "systemic", "area": "workload",
        "status": "planned", "due_date": "2027-03-31", "release": str(release_id), "cell": key,
        "finding_description": "Workload is low",
    })

    assert response.status_code == 400
    assert "This survey finding cannot be found." in response.content.decode()
    with organisation_scope(world.org("a")):
        assert not Action.objects.filter(title="Something").exists()


# --- Progress updates and evidence ---------------------------------------------------------------
@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return Path(tmp_path)


def _stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def _upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize("bad_file, message", [
    (("minutes.pdf", b"MZ\x90\x00 a program", "application/pdf"), "is not a file type you can attach"),
    (("page.txt", b"<!DOCTYPE html><script>alert(1)</script>", "text/plain"), "is not a file type you can attach"),
    (("tool.exe", b"MZ\x90\x00", "application/octet-stream"), "is not a file type you can attach"),
    (("big.pdf", PDF + b"x" * 4096, "application/pdf"), "is larger than 2.0"),
], ids=["program-named-pdf", "web-page-named-txt", "program", "too-big"])
def test_a_wrong_evidence_file_refuses_the_whole_update_and_keeps_nothing(
    world, plans, signed_in, media, settings, bad_file, message
):
    settings.ACTIONPLANS_EVIDENCE_MAX_BYTES = 2048
    client = signed_in(world.user("a", "school_lead"))
    action = plans["own_action"]

    response = client.post(f"/o/trust-a/actions/{action.pk}/updates/new/", {
        "date": timezone.localdate().isoformat(), "note": "Staff meeting held", "status": "in_progress",
        "files": [_upload("agenda.pdf", PDF, "application/pdf"), _upload(*bad_file)],
    })

    assert response.status_code == 400
    assert message in response.content.decode()
    with organisation_scope(world.org("a")):
        assert not ProgressUpdate.objects.exists()
        assert not Evidence.objects.exists()
        action.refresh_from_db()
        assert action.status == Action.Status.PLANNED
    assert _stored_files(media) == []


def test_evidence_is_stored_under_a_random_name_and_downloaded_only_by_readers(world, plans, signed_in, media):
    lead = signed_in(world.user("a", "school_lead"))
    action = plans["own_action"]

    response = lead.post(f"/o/trust-a/actions/{action.pk}/updates/new/", {
        "date": timezone.localdate().isoformat(), "note": "Policy drafted with staff", "status": "in_progress",
        "files": [_upload("Jo Bloggs notes.pdf", PDF, "application/pdf")],
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        evidence = Evidence.objects.get()
        action.refresh_from_db()
        status_change = ChangeRecord.objects.filter(subject="action", subject_id=action.pk, kind="changed").get()
    assert action.status == Action.Status.IN_PROGRESS
    assert {"field": "status", "old": "planned", "new": "in_progress"} in status_change.changes
    [stored] = _stored_files(media)
    assert "Bloggs" not in stored.name and stored.suffix == ".pdf"
    assert str(stored).startswith(str(media / "actionplans" / "evidence"))

    download = lead.get(f"/o/trust-a/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    other_lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        from wellbeing.tenancy.models import Membership

        Membership.objects.filter(user=other_lead).update(role="school_lead", school=world.school("a", 1))
    assert signed_in(other_lead).get(f"/o/trust-a/evidence/{evidence.pk}/").status_code == 404
    assert signed_in(world.user("a", "staff")).get(f"/o/trust-a/evidence/{evidence.pk}/").status_code == 404


def test_the_update_and_edit_forms_post_back_to_their_own_page(world, plans, signed_in):
    """Their pages hold an `action` (the Action): the shared form must not take it for its address."""
    client = signed_in(world.user("a", "school_lead"))
    action = plans["own_action"]

    for address in (f"/o/trust-a/actions/{action.pk}/updates/new/", f"/o/trust-a/actions/{action.pk}/edit/"):
        tags = [tag.split(">")[0] for tag in client.get(address).content.decode().split("<form")[1:]]
        [form_tag] = [tag for tag in tags if "novalidate" in tag]  # the page's own form, not the header's
        assert "action=" not in form_tag, form_tag


# --- History ------------------------------------------------------------------------------------
def test_an_action_change_is_shown_with_who_when_and_old_and_new_values(world, plans, signed_in):
    lead = world.user("a", "school_lead")
    client = signed_in(lead)
    action = plans["own_action"]

    response = client.post(f"/o/trust-a/actions/{action.pk}/edit/", {
        "title": "Protect PPA time", "description": "", "level": "systemic", "area": "workload",
        "status": "in_progress", "due_date": "2027-02-15",
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        record = ChangeRecord.objects.filter(subject="action", subject_id=action.pk, kind="changed").get()
    assert record.user == lead and (timezone.now() - record.at) < datetime.timedelta(minutes=1)
    fields = {change["field"]: (change["old"], change["new"]) for change in record.changes}
    assert fields["status"] == ("planned", "in_progress")
    assert fields["due_date"][1] == "2027-02-15"
    history = client.get(f"/o/trust-a/actions/{action.pk}/").content.decode().split('id="history"')[1]
    assert escape(str(lead)) in history  # O'Connor is O&#x27;Connor in the page
    assert "Planned" in history and "In progress" in history and "15 February 2027" in history


# --- Exports ------------------------------------------------------------------------------------
def test_exports_write_formulas_as_text(world, plans, signed_in):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        factories.action(plan=plans["own"], created_by=lead, title='=HYPERLINK("http://evil.example","Open")',
                         description="+SUM(A1:A9)")
    client = signed_in(lead)

    csv_response = client.get(f"/o/trust-a/plans/{plans['own'].pk}/export.csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    evil = next(row for row in rows if "HYPERLINK" in row[0])
    assert evil[0] == '\'=HYPERLINK("http://evil.example","Open")' and evil[1] == "'+SUM(A1:A9)"
    assert csv_response["Content-Disposition"].startswith("attachment")

    xlsx_response = client.get(f"/o/trust-a/plans/{plans['own'].pk}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert [(cell.value[:2], cell.data_type) for cell in cells] == [("'=", "s")]


# --- Overdue actions ------------------------------------------------------------------------------
def test_overdue_actions_are_flagged_and_their_owner_reminded_once_a_week(world, plans, signed_in):
    lead = world.user("a", "school_lead")
    today = timezone.localdate()
    with organisation_scope(world.org("a")):
        late = factories.action(plan=plans["own"], created_by=lead, owner=lead, title="Wellbeing walk",
                                due_date=today - datetime.timedelta(days=3))
        factories.action(plan=plans["own"], created_by=lead, owner=lead, title="Finished one",
                         due_date=today - datetime.timedelta(days=3), status=Action.Status.DONE)
        first = services.overdue_reminders_send(today=today)
        again = services.overdue_reminders_send(today=today)
        week_later = services.overdue_reminders_send(today=today + datetime.timedelta(days=7))

    assert (first, again, week_later) == (1, 0, 1)
    message = mail.outbox[0]
    assert message.to == [lead.email]
    assert "Wellbeing walk" in message.body and "3 days ago" in message.body
    assert "Finished one" not in message.body
    assert f"/o/trust-a/actions/{late.pk}/" in message.body
    page = signed_in(lead).get(f"/o/trust-a/plans/{plans['own'].pk}/").content.decode()
    assert "1 action is overdue." in page


@pytest.mark.celery
def test_the_daily_reminder_runs_on_the_real_worker(world, plans, celery_worker):
    lead = world.user("a", "school_lead")
    with organisation_scope(world.org("a")):
        factories.action(plan=plans["own"], created_by=lead, owner=lead, title="Overdue on the worker",
                         due_date=timezone.localdate() - datetime.timedelta(days=1))

    sent = tasks.overdue_reminders_task.delay(world.org("a").pk).get(timeout=30)

    assert sent == 1
    assert [m.to for m in mail.outbox if "Overdue on the worker" in m.body] == [[lead.email]]


def test_every_page_of_a_lead_shows_its_heading(world, plans, signed_in):
    lead = world.user("a", "organisation_lead")
    with organisation_scope(world.org("a")):
        objective = factories.manual_objective(organisation=world.org("a"), created_by=lead)
        assessment = services.assessment_create(organisation=world.org("a"), title="Duty rota", affects="All",
                                                minutes={"support": 15}, assessed_by=lead)
    action = plans["own_action"]
    client = signed_in(lead)
    pages = {
        "/o/trust-a/plans/new/": "Start a plan",
        f"/o/trust-a/actions/{action.pk}/edit/": "Change the action",
        f"/o/trust-a/actions/{action.pk}/updates/new/": "Add a progress update",
        "/o/trust-a/objectives/new/": "Set an objective",
        f"/o/trust-a/objectives/{objective.pk}/edit/": "Change the objective",
        f"/o/trust-a/objectives/{objective.pk}/readings/new/": "Add a reading",
        "/o/trust-a/you-said-we-did/new/": "Publish an update",
        "/o/trust-a/workload/new/": "Assess a new policy or procedure",
        f"/o/trust-a/workload/{assessment.pk}/": "Duty rota",
        f"/o/trust-a/workload/{assessment.pk}/edit/": "Change the assessment",
    }
    for address, heading in pages.items():
        response = client.get(address)
        assert response.status_code == 200, address
        assert f'<h1 class="govuk-heading-l">{heading}</h1>' in response.content.decode(), address
