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

from actionplans import services, tasks
from actionplans.models import Action, ActionFinding, ChangeRecord, Evidence, ProgressUpdate
from actionplans.tests import factories
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
def test_create_action_from_this_prefills_the_finding_and_links_the_action_to_it(world, plans, signed_in):
    client = signed_in(world.user("a", "school_lead"))
    cell = f"school:{world.school('a').pk}|domain:workload"
    address = f"/o/trust-a/actions/new/?release=41&cell={cell}&label=Workload%3A+low+at+A+School+1&school={world.school('a').pk}"

    form = client.get(address).content.decode()
    assert 'name="release" value="41"' in form and f'name="cell" value="{cell}"' in form
    assert 'value="Workload: low at A School 1"' in form
    assert f'<option value="{plans["own"].pk}" selected>' in form  # this year's plan of the finding's school

    response = client.post(address, {
        "plan": plans["own"].pk, "title": "Marking policy review", "level": "systemic", "area": "workload",
        "status": "planned", "due_date": "2027-03-31", "release": "41", "cell": cell,
        "finding_description": "Workload: low at A School 1",
    })

    assert response.status_code == 302
    with organisation_scope(world.org("a")):
        action = Action.objects.get(title="Marking policy review")
        finding = ActionFinding.objects.get(action=action)
        record = ChangeRecord.objects.get(subject="action", subject_id=action.pk)
    assert (finding.release_id, finding.cell_key, finding.description) == (41, cell, "Workload: low at A School 1")
    assert "Workload: low at A School 1" in record.note
    page = client.get(response["Location"]).content.decode()
    assert f'data-finding-release="41" data-finding-cell="{cell}"' in page


def test_a_finding_without_a_description_is_refused_and_no_action_is_made(world, plans, signed_in):
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.post("/o/trust-a/actions/new/?release=41&cell=org|domain:workload", {
        "plan": plans["own"].pk, "title": "Something", "level": "systemic", "area": "workload",
        "status": "planned", "due_date": "2027-03-31", "release": "41", "cell": "org|domain:workload",
        "finding_description": "",
    })

    assert response.status_code == 400
    assert "Describe the survey finding in a few words." in response.content.decode()
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
    assert str(lead) in history
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
