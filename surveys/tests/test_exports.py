"""CSV and Excel downloads of a release: who gets which cells, blank suppressed cells, no formulas."""

from __future__ import annotations

import csv
import io
import random
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import Release, ResultCell
from surveys.services.releases import release_build
from surveys.tests.waves import JOBS, closed_wave
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School, StaffMember

pytestmark = pytest.mark.django_db

Disclosure = ResultCell.Disclosure
FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'
ORGANISATION_LEVEL = {"organisation", "organisation_group", "organisation_two_groups"}


def add_staff(school: School, size: int, *, seed: int) -> None:
    rng = random.Random(seed)
    StaffMember.objects.bulk_create(
        StaffMember(
            organisation_id=school.organisation_id, school=school, email=f"{school.pk}-{i}@example.org",
            name=f"Person {i}", job_category=rng.choice(JOBS),
            contract=rng.choice(["full_time", "full_time", "part_time"]), fte=1, start_year=rng.randint(1995, 2025),
        )
        for i in range(size)
    )


@pytest.fixture
def released(world):
    return release_three_schools(world)


def release_three_schools(world):
    """Organisation A's two schools (the school roles' own school first) and a third, surveyed,
    closed and released; the third school is named like a spreadsheet formula."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        own, other = world.school("a"), world.school("a", 1)
        third = School.objects.create(name=FORMULA_NAME, phase=School.Phase.SECONDARY)
        for seed, (school, size) in enumerate(((own, 45), (other, 34), (third, 28))):
            add_staff(school, size, seed=seed)
        survey, _wave = closed_wave(organisation=organisation, schools=[own, other, third], seed=21,
                                    demographics=("job_category", "contract"))
        release = Release.objects.select_related("survey").get(
            pk=release_build(survey=survey, kind=Release.Kind.FINAL).pk)
        cells = {c.key: c for c in ResultCell.objects.filter(release=release).select_related("item")}
    return release, cells


def export_url(world, release, file_format="csv", org="a"):
    return reverse(f"results_export:{file_format}", kwargs={"org": world.org(org).slug, "release_id": release.pk})


def read_csv(response) -> tuple[list[str], list[dict]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_an_organisation_lead_downloads_every_cell_with_suppressed_ones_blank_and_marked(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.get(export_url(world, release))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="results-staff-survey-final-1.csv"' == response["Content-Disposition"]
    header, rows = read_csv(response)
    assert header[:4] == ["View", "School or cluster", "Question 1", "Group 1"]
    assert len(rows) == len(cells)
    by_disclosure = {d: [r for r in rows if r["Disclosure"] == Disclosure(d).label] for d in Disclosure.values}
    assert all(by_disclosure.values()), "the release should have full, banded and suppressed cells"
    numbers = ["Respondents", "n", "% favourable", "% neutral", "% unfavourable", "Mean",
               "Confidence interval low (% favourable)", "% favourable band", "Change since previous wave (points)",
               "Difference from rest of organisation (points)"]
    for row in by_disclosure[Disclosure.SUPPRESSED]:
        assert [row[c] for c in numbers] == [""] * len(numbers)
        assert row["Not shown"]
    primary = [r for r in by_disclosure[Disclosure.SUPPRESSED]
               if r["Not shown"] == f"fewer than {release.survey.threshold}"]
    assert len(primary) == sum(1 for c in cells.values() if c.suppression == "primary") > 0
    for row in by_disclosure[Disclosure.BANDED]:
        assert row["% favourable band"] and row["n"]
        assert (row["% favourable"], row["Mean"], row["% neutral"]) == ("", "", "")
    # A full item cell reads as stored, with its labels.
    key, cell = next((k, c) for k, c in cells.items() if c.item_id and c.view == "organisation")
    row = next(r for r in rows if r["Measure code"] == cell.item.code and r["View"] == "Organisation")
    assert (row["n"], row["% favourable"], row["Mean"]) == (str(cell.n), str(cell.pct_favourable), str(cell.mean))
    assert row["Measure"] == cell.item.text["en"] and row["Measure type"] == "Item"
    assert row["School or cluster"] == "Trust A"


def test_text_a_spreadsheet_would_run_as_a_formula_is_escaped_in_csv_and_excel(world, signed_in, released):
    release, _cells = released
    client = signed_in(world.user("a", "organisation_lead"))

    _header, rows = read_csv(client.get(export_url(world, release)))
    workbook = load_workbook(io.BytesIO(b"".join(client.get(export_url(world, release, "xlsx")).streaming_content)))

    places = {r["School or cluster"] for r in rows}
    assert "'" + FORMULA_NAME in places and FORMULA_NAME not in places
    sheet = workbook.worksheets[0]
    column = [c.value for c in sheet["B"]]
    assert "'" + FORMULA_NAME in column
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_the_excel_file_holds_the_same_rows_as_the_csv_with_numbers_as_numbers(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "trustee"))

    response = client.get(export_url(world, release, "xlsx"))
    header, rows = read_csv(client.get(export_url(world, release)))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header
    assert len(values) - 1 == len(rows) == len(cells)
    n_column = header.index("n")
    full = [v for v in values[1:] if v[header.index("Disclosure")] == "All statistics"]
    assert full and all(isinstance(v[n_column], int) for v in full)
    assert all(v[n_column] is None for v in values[1:] if v[header.index("Disclosure")] == Disclosure.SUPPRESSED.label)


@pytest.mark.parametrize("role", ["school_lead", "governor"])
def test_school_roles_get_their_own_school_and_the_organisation_level_cells_only(world, signed_in, released, role):
    release, cells = released
    client = signed_in(world.user("a", role))

    _header, rows = read_csv(client.get(export_url(world, release)))

    own = world.school("a")
    expected = [c for c in cells.values() if c.view in ORGANISATION_LEVEL or c.school_id == own.pk]
    assert len(rows) == len(expected)
    assert {r["School or cluster"] for r in rows} == {"Trust A", own.name}


def test_a_partner_gets_the_organisation_level_cells_only(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "partner"))

    _header, rows = read_csv(client.get(export_url(world, release, "csv")))

    assert len(rows) == sum(1 for c in cells.values() if c.view in ORGANISATION_LEVEL)
    assert {r["School or cluster"] for r in rows} == {"Trust A"}


def test_admins_staff_and_another_organisation_get_404(world, signed_in, released):
    release, _cells = released
    for role in ("organisation_admin", "staff"):
        client = signed_in(world.user("a", role))
        assert client.get(export_url(world, release)).status_code == 404, role
        assert client.get(export_url(world, release, "xlsx")).status_code == 404, role
    client = signed_in(world.user("b", "organisation_lead"))
    assert client.get(export_url(world, release, org="b")).status_code == 404
    assert client.get(export_url(world, release, "xlsx", org="b")).status_code == 404


def test_labels_are_in_the_readers_language(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "organisation_lead"))
    client.cookies["django_language"] = "cy"

    header, rows = read_csv(client.get(export_url(world, release)))

    cell = next(c for c in cells.values() if c.item_id and c.view == "organisation")
    assert cell.item.text["cy"] != cell.item.text["en"]
    assert cell.item.text["cy"] in {r[header[9]] for r in rows}
    assert cell.item.text["en"] not in {r[header[9]] for r in rows}


def test_a_large_excel_download_is_written_by_the_worker_once_and_then_handed_out(
        world, signed_in, released, celery_worker, settings):
    """Above RESULTS_XLSX_INLINE_MAX_CELLS the request does not wait for the workbook: the page
    says it is being prepared (202), the worker writes it once, and every later request for the
    same scope and language gets the stored file, with the same rows as the CSV."""
    settings.RESULTS_XLSX_INLINE_MAX_CELLS = 10
    release, cells = released
    client = signed_in(world.user("a", "trustee"))

    waiting = client.get(export_url(world, release, "xlsx"))
    assert waiting.status_code == 202
    assert waiting["Retry-After"]
    assert "being prepared" in waiting.content.decode()

    for _attempt in range(120):
        response = client.get(export_url(world, release, "xlsx"))
        if response.status_code == 200:
            break
        time.sleep(0.5)
    assert response.status_code == 200
    header, rows = read_csv(client.get(export_url(world, release)))
    values = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True))
    assert list(values[0]) == header and len(values) - 1 == len(rows) == len(cells)

    # A school lead's scope is another file: waiting again, never the trustee's workbook.
    lead = signed_in(world.user("a", "school_lead"))
    assert lead.get(export_url(world, release, "xlsx")).status_code in (200, 202)
    for _attempt in range(120):
        response = lead.get(export_url(world, release, "xlsx"))
        if response.status_code == 200:
            break
        time.sleep(0.5)
    _header, lead_rows = read_csv(lead.get(export_url(world, release)))
    lead_values = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True))
    assert len(lead_values) - 1 == len(lead_rows) < len(rows)
