"""The staff roster, as an organisation admin uses it: upload, check, import, export."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import RosterImport, School, StaffMember
from wellbeing.tenancy.tests.factories import StaffMemberFactory

HEADER = ["Email", "Name", "School", "Job category", "Contract", "FTE", "Start year"]


def person(i, school="A School 1", **changes):
    values = {
        "Email": f"person{i}@a.example.org",
        "Name": f"Person {i}",
        "School": school,
        "Job category": "Teacher",
        "Contract": "Full time",
        "FTE": "1",
        "Start year": "2015",
    }
    values.update(changes)
    return values


def csv_file(people, *, header=HEADER, delimiter=",", bom=False, name="roster.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for values in people:
        writer.writerow([values.get(column, "") for column in HEADER])
    content = buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="roster.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def upload(client, file, org="trust-a"):
    return client.post(reverse("tenancy:roster_upload", kwargs={"org": org}), {"file": file}, follow=True)


def roster_of(org):
    with organisation_scope(org):
        return {p.email: p for p in StaffMember.objects.select_related("school")}


def imports_of(org):
    with organisation_scope(org):
        return list(RosterImport.objects.all())


@pytest.fixture
def admin(world, signed_in):
    return signed_in(world.user("a", "organisation_admin"))


# --- Every row is checked; one bad row imports nothing ------------------------------------
def test_a_500_row_roster_with_one_bad_email_imports_nothing_and_names_row_and_column(world, admin):
    people = [person(i) for i in range(500)]
    people[311]["Email"] = "jo.bloggs.example.org"  # spreadsheet row 313: the header is row 1

    response = upload(admin, csv_file(people))

    assert roster_of(world.org("a")) == {}
    [roster_import] = imports_of(world.org("a"))
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.errors == [
        {"row": 313, "column": "Email", "reason": "“jo.bloggs.example.org” is not a valid email address."}
    ]
    assert roster_import.rows == []  # no copy of the people in a rejected file is kept
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert 'data-row="313" data-column="Email"' in page
    assert "is not a valid email address" in page


def test_every_problem_is_listed_with_the_row_and_the_column_as_the_file_names_it(world, admin):
    this_year = timezone.localdate().year
    people = [
        person(1),
        person(2, **{"Job category": "Astronaut", "Contract": "Zero hours"}),
        person(3, FTE="1.5", **{"Start year": str(this_year + 1)}),
        person(4, Email="PERSON1@a.example.org"),
        person(5, Name="", FTE="0"),
    ]
    header = ["E-mail", "Full name", "school", "JOB_CATEGORY", "contract type", "fte", "Year started"]

    upload(admin, csv_file(people, header=header))

    [roster_import] = imports_of(world.org("a"))
    problems = {(e["row"], e["column"]): e["reason"] for e in roster_import.errors}
    assert set(problems) == {
        (3, "JOB_CATEGORY"),
        (3, "contract type"),
        (4, "fte"),
        (4, "Year started"),
        (5, "E-mail"),
        (6, "Full name"),
        (6, "fte"),
    }
    assert problems[(5, "E-mail")] == "The same email address is already on row 2."
    assert "Teaching assistant" in problems[(3, "JOB_CATEGORY")]  # says what would be accepted
    assert problems[(6, "Full name")] == "This cell is empty."
    assert roster_of(world.org("a")) == {}


def test_a_missing_column_is_reported_on_the_header_row(world, admin):
    header = ["Email", "Name", "School", "Contract", "FTE"]

    upload(admin, csv_file([person(1)], header=header))

    [roster_import] = imports_of(world.org("a"))
    assert roster_import.errors == [{"row": 1, "column": "Job category", "reason": "This column is missing."}]
    assert roster_of(world.org("a")) == {}


def test_school_names_of_another_organisation_are_rejected(world, admin):
    upload(admin, csv_file([person(1), person(2, school="B School 1")]))

    [roster_import] = imports_of(world.org("a"))
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(3, "School")]
    assert "There is no school called “B School 1”" in roster_import.errors[0]["reason"]
    assert roster_of(world.org("a")) == {}
    assert roster_of(world.org("b")) == {}


# --- Valid files --------------------------------------------------------------------------
def test_a_valid_csv_is_imported_with_lenient_headers_values_semicolons_and_a_bom(world, admin):
    header = ["Email address", "NAME", "School name", "job_category", "Contract", "F.T.E.", "start_year"]
    people = [
        person(1, school="a school 1", **{"Job category": "TA", "Contract": "part-time", "FTE": "0,5"}),
        {},  # a blank line: row numbers still follow the spreadsheet
        person(2, school="A  School 2", **{"Job category": "teaching_assistant", "Start year": ""}),
    ]

    response = upload(admin, csv_file(people, header=header, delimiter=";", bom=True))

    roster = roster_of(world.org("a"))
    assert set(roster) == {"person1@a.example.org", "person2@a.example.org"}
    first = roster["person1@a.example.org"]
    assert (first.name, first.school, first.job_category, first.contract, first.fte) == (
        "Person 1",
        world.school("a", 0),
        StaffMember.JobCategory.TEACHING_ASSISTANT,
        StaffMember.Contract.PART_TIME,
        Decimal("0.5"),
    )
    assert roster["person2@a.example.org"].school == world.school("a", 1)
    assert roster["person2@a.example.org"].start_year is None
    assert 'data-change="created"' in response.content.decode()
    [roster_import] = imports_of(world.org("a"))
    assert (roster_import.status, roster_import.created_count, roster_import.total_rows) == ("done", 2, 2)


def test_a_valid_xlsx_is_imported_with_numbers_typed_as_numbers(world, admin):
    rows = [
        ["ann@a.example.org", "Ann Jones", "A School 1", "Leader", "Full time", 1, 2009],
        ["bob@a.example.org", "Bob Smith", "A School 2", "Support staff", "Part time", 0.6, 2021],
    ]

    response = upload(admin, xlsx_file(rows))

    assert response.status_code == 200
    roster = roster_of(world.org("a"))
    assert roster["ann@a.example.org"].job_category == StaffMember.JobCategory.LEADER
    assert roster["ann@a.example.org"].start_year == 2009
    assert roster["bob@a.example.org"].fte == Decimal("0.6")
    assert roster["bob@a.example.org"].contract == StaffMember.Contract.PART_TIME


def test_reimporting_updates_by_email_marks_leavers_and_brings_returners_back(world, admin):
    upload(admin, csv_file([person(1), person(2), person(3)]))
    today = timezone.localdate()

    upload(admin, csv_file([person(1, Email="Person1@A.example.org", Name="Person One"), person(3), person(4)]))

    roster = roster_of(world.org("a"))
    assert len(roster) == 4  # matched by email without regard to case: no duplicate of person 1
    assert roster["Person1@A.example.org"].name == "Person One"
    leaver = roster["person2@a.example.org"]
    assert (leaver.is_active, leaver.left_on) == (False, today)
    assert roster["person4@a.example.org"].is_active
    second = imports_of(world.org("a"))[0]
    assert (second.created_count, second.updated_count, second.deactivated_count) == (1, 1, 1)

    upload(admin, csv_file([person(1), person(2), person(3), person(4)]))

    returner = roster_of(world.org("a"))["person2@a.example.org"]
    assert (returner.is_active, returner.left_on) == (True, None)
    third = imports_of(world.org("a"))[0]
    assert (third.created_count, third.updated_count, third.reactivated_count, third.deactivated_count) == (0, 1, 1, 0)


def test_a_rejected_reimport_leaves_the_roster_as_it_was(world, admin):
    upload(admin, csv_file([person(1), person(2)]))

    upload(admin, csv_file([person(1, Name="Changed"), person(3, FTE="lots")]))

    roster = roster_of(world.org("a"))
    assert {p.name for p in roster.values()} == {"Person 1", "Person 2"}
    assert all(p.is_active for p in roster.values())


def test_an_exported_roster_uploads_again_without_changes(world, admin):
    upload(admin, csv_file([person(1, **{"Job category": "TA", "FTE": "0.75"}), person(2)]))
    exported = admin.get(reverse("tenancy:roster_export_csv", kwargs={"org": "trust-a"})).content

    upload(admin, SimpleUploadedFile("roster-export.csv", exported))

    latest = imports_of(world.org("a"))[0]
    assert latest.status == RosterImport.Status.DONE
    assert (latest.created_count, latest.updated_count, latest.deactivated_count) == (0, 0, 0)


# --- Files that cannot be read are refused, and nothing is stored ------------------------------
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.pdf", b"%PDF-1.7 ...", "is not a CSV or XLSX file"),
        ("roster.xlsx", b"Email,Name\n", "is not an Excel workbook"),
        ("roster.csv", b"PK\x03\x04binary", "not a CSV text file"),
        ("roster.csv", "Email,Name\nbj\xf6rn@x.org,Björn\n".encode("latin-1"), "not UTF-8"),
        ("roster.csv", b"", "file is empty"),
        ("roster.csv", ",".join(HEADER).encode(), "no staff rows"),
    ],
)
def test_wrong_or_unreadable_files_get_a_clear_error_and_store_nothing(world, admin, name, content, message):
    response = upload(admin, SimpleUploadedFile(name, content))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert imports_of(world.org("a")) == []
    assert roster_of(world.org("a")) == {}


def test_an_oversize_upload_is_refused_and_stores_nothing(world, admin, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 2048
    people = [person(i) for i in range(100)]

    response = upload(admin, csv_file(people))

    assert response.status_code == 400
    assert "the largest roster file accepted is 2.0 KB" in response.content.decode()
    assert imports_of(world.org("a")) == []
    assert roster_of(world.org("a")) == {}


# --- Export ---------------------------------------------------------------------------------
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"]


@pytest.fixture
def formula_people(world):
    with organisation_scope(world.org("a")):
        for i, name in enumerate(FORMULAS):
            StaffMemberFactory(name=name, email=f"f{i}@a.example.org", school=world.school("a"))
        StaffMemberFactory(name="Plain Name", email="plain@a.example.org", school=world.school("a"))


def test_formula_looking_cells_are_escaped_in_the_csv_export(admin, formula_people):
    response = admin.get(reverse("tenancy:roster_export_csv", kwargs={"org": "trust-a"}))

    assert response["Content-Disposition"].startswith('attachment; filename="roster-trust-a-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {row["Name"] for row in rows}
    assert names == {"'" + name for name in FORMULAS} | {"Plain Name"}


def test_formula_looking_cells_are_escaped_in_the_xlsx_export(admin, formula_people):
    response = admin.get(reverse("tenancy:roster_export_xlsx", kwargs={"org": "trust-a"}))

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    # XML stores a carriage return as a line feed; what matters is the apostrophe before it.
    assert names == {"'" + name.replace("\r", "\n") for name in FORMULAS} | {"Plain Name"}
    assert [c.value for c in sheet[1]][:3] == ["Email", "Name", "School"]


def test_the_export_follows_the_filters_and_keeps_other_organisations_out(world, admin):
    with organisation_scope(world.org("a")):
        StaffMemberFactory(email="here@a.example.org", school=world.school("a", 0))
        StaffMemberFactory(email="there@a.example.org", school=world.school("a", 1))
        StaffMemberFactory(email="gone@a.example.org", school=world.school("a", 0), is_active=False)
    with organisation_scope(world.org("b")):
        StaffMemberFactory(email="other@b.example.org", school=world.school("b", 0))
    url = reverse("tenancy:roster_export_csv", kwargs={"org": "trust-a"})

    everyone = admin.get(url, {"status": "all"}).content.decode("utf-8-sig")
    school_one = admin.get(url, {"school": world.school("a", 0).pk}).content.decode("utf-8-sig")

    assert {r["Email"] for r in csv.DictReader(io.StringIO(everyone))} == {
        "here@a.example.org",
        "there@a.example.org",
        "gone@a.example.org",
    }
    assert {r["Email"] for r in csv.DictReader(io.StringIO(school_one))} == {"here@a.example.org"}


# --- The roster page ------------------------------------------------------------------------
def test_the_roster_page_filters_by_school_and_status_and_pages(world, admin):
    with organisation_scope(world.org("a")):
        for i in range(55):
            StaffMemberFactory(email=f"p{i:02}@a.example.org", name=f"Person {i:02}", school=world.school("a", 0))
        StaffMemberFactory(email="elsewhere@a.example.org", name="Elsewhere", school=world.school("a", 1))
        StaffMemberFactory(email="left@a.example.org", name="Leaver", school=world.school("a", 1), is_active=False)
    url = reverse("tenancy:roster", kwargs={"org": "trust-a"})

    first_page = admin.get(url).content.decode()
    second_page = admin.get(url, {"page": 2}).content.decode()
    school_two = admin.get(url, {"school": world.school("a", 1).pk}).content.decode()
    leavers = admin.get(url, {"status": "inactive"}).content.decode()

    assert "56 people" in first_page and "Page 1 of 2" in first_page
    assert first_page.count('data-email="') == 50 and second_page.count('data-email="') == 6
    assert 'data-email="elsewhere@a.example.org"' in school_two
    assert 'data-email="left@a.example.org"' not in school_two
    assert leavers.count('data-email="') == 1 and 'data-email="left@a.example.org"' in leavers


def roster_urls(world, org="a"):
    slug = world.org(org).slug
    with organisation_scope(world.org(org)):
        roster_import = RosterImport.objects.create(filename="x.csv")
    school = world.school(org)
    return [
        reverse("tenancy:roster", kwargs={"org": slug}),
        reverse("tenancy:roster_upload", kwargs={"org": slug}),
        reverse("tenancy:roster_import", kwargs={"org": slug, "pk": roster_import.pk}),
        reverse("tenancy:roster_import_progress", kwargs={"org": slug, "pk": roster_import.pk}),
        reverse("tenancy:roster_export_csv", kwargs={"org": slug}),
        reverse("tenancy:roster_export_xlsx", kwargs={"org": slug}),
        reverse("tenancy:schools", kwargs={"org": slug}),
        reverse("tenancy:school_add", kwargs={"org": slug}),
        reverse("tenancy:school_edit", kwargs={"org": slug, "pk": school.pk}),
    ]


@pytest.mark.parametrize(
    "role", ["organisation_lead", "school_lead", "trustee", "governor", "partner", "staff"]
)
def test_only_organisation_admins_reach_the_roster_and_schools(world, signed_in, role):
    client = signed_in(world.user("a", role))
    answers = {url: client.get(url).status_code for url in roster_urls(world)}
    assert set(answers.values()) == {404}, answers
    upload_url = reverse("tenancy:roster_upload", kwargs={"org": "trust-a"})
    assert client.post(upload_url, {"file": csv_file([person(1)])}).status_code == 404
    assert roster_of(world.org("a")) == {}


def test_another_organisations_admin_gets_404_for_its_imports_and_schools(world, signed_in):
    client = signed_in(world.user("b", "organisation_admin"))
    a_urls = roster_urls(world, "a")
    with organisation_scope(world.org("a")):
        roster_import = RosterImport.objects.latest("pk")
    # The same object ids, asked for under organisation B's own address.
    under_b = [
        reverse("tenancy:roster_import", kwargs={"org": "trust-b", "pk": roster_import.pk}),
        reverse("tenancy:roster_import_progress", kwargs={"org": "trust-b", "pk": roster_import.pk}),
        reverse("tenancy:school_edit", kwargs={"org": "trust-b", "pk": world.school("a").pk}),
    ]
    answers = {url: client.get(url).status_code for url in a_urls + under_b}
    assert set(answers.values()) == {404}, answers


# --- Schools ----------------------------------------------------------------------------------
def test_an_admin_adds_and_renames_schools_and_names_stay_unique_without_regard_to_case(world, admin):
    add_url = reverse("tenancy:school_add", kwargs={"org": "trust-a"})

    added = admin.post(add_url, {"name": "Central  Office", "phase": "central", "staff_count": "12"}, follow=True)
    duplicate = admin.post(add_url, {"name": "a school 1", "phase": "primary", "staff_count": "3"})

    assert "Central Office was added" in added.content.decode()
    assert duplicate.status_code == 400
    assert "There is already a school called “a school 1”" in duplicate.content.decode()
    with organisation_scope(world.org("a")):
        office = School.objects.get(name="Central Office")
        assert (office.phase, office.staff_count, School.objects.count()) == ("central", 12, 3)
    edit_url = reverse("tenancy:school_edit", kwargs={"org": "trust-a", "pk": office.pk})
    admin.post(edit_url, {"name": "Trust Office", "phase": "central", "staff_count": "14"})
    with organisation_scope(world.org("a")):
        office.refresh_from_db()
        assert (office.name, office.staff_count) == ("Trust Office", 14)
    # Organisation B may use the same name: uniqueness is per organisation.
    with organisation_scope(world.org("b")):
        assert not School.objects.filter(name="Trust Office").exists()


def test_the_schools_page_shows_how_many_people_each_school_has_on_the_roster(world, admin):
    with organisation_scope(world.org("a")):
        for i in range(3):
            StaffMemberFactory(email=f"s{i}@a.example.org", school=world.school("a", 1))
        StaffMemberFactory(email="gone@a.example.org", school=world.school("a", 1), is_active=False)

    page = admin.get(reverse("tenancy:schools", kwargs={"org": "trust-a"})).content.decode()

    row = page.split(f'data-school="{world.school("a", 1).pk}"')[1].split("</tr>")[0]
    assert f"?school={world.school('a', 1).pk}\">3</a>" in row


# --- Large files: a real Celery worker, a progress bar ------------------------------------------
@pytest.mark.celery
def test_a_large_roster_is_imported_by_the_worker_and_the_progress_endpoint_reports_completion(
    world, signed_in, settings, celery_worker
):
    settings.ROSTER_BACKGROUND_ROWS = 50
    client = signed_in(world.user("a", "organisation_admin"))
    people = [person(i, school=f"A School {1 + i % 2}") for i in range(1200)]

    response = upload(client, csv_file(people))

    assert "Importing the roster" in response.content.decode() or "Roster imported" in response.content.decode()
    [roster_import] = imports_of(world.org("a"))
    progress_url = reverse("tenancy:roster_import_progress", kwargs={"org": "trust-a", "pk": roster_import.pk})
    deadline = time.monotonic() + 60
    while True:
        fragment = client.get(progress_url).content.decode()
        if 'data-status="done"' in fragment or time.monotonic() > deadline:
            break
        assert 'data-status="failed"' not in fragment
        time.sleep(0.2)

    assert 'data-status="done"' in fragment
    assert "1200 of 1200 rows (100%)" in fragment
    assert len(roster_of(world.org("a"))) == 1200
    [roster_import] = imports_of(world.org("a"))
    assert (roster_import.created_count, roster_import.processed_rows, roster_import.rows) == (1200, 1200, [])
    htmx_poll = client.get(progress_url, headers={"HX-Request": "true"})
    assert htmx_poll["HX-Redirect"] == reverse("tenancy:roster_import", kwargs={"org": "trust-a", "pk": roster_import.pk})
