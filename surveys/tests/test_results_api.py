"""The results API: flat result cells for Power BI and Excel, with the dashboards' rules."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from surveys.exports import RECORD_FIELDS
from surveys.models import Release, ResultCell
from surveys.tests.test_exports import ORGANISATION_LEVEL, release_three_schools
from wellbeing.tenancy.context import organisation_scope

pytestmark = pytest.mark.django_db

Disclosure = ResultCell.Disclosure


@pytest.fixture
def released(world):
    return release_three_schools(world)


def api(path, org="a"):
    return f"/o/trust-{org}/api/results/{path}"


def every_page(client, url):
    rows, pages = [], 0
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url, pages = body["next"], pages + 1
    return rows, pages


def test_a_lead_reads_every_cell_of_a_release_page_by_page_as_flat_records(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "organisation_lead"))

    rows, pages = every_page(client, api(f"cells/?release={release.pk}&page_size=2000"))

    assert pages == -(-len(cells) // 2000) > 1
    assert len(rows) == len({r["key"] for r in rows}) == len(cells)
    assert set(rows[0]) == set(RECORD_FIELDS)
    assert all(not isinstance(value, (dict, list)) for row in rows for value in row.values())  # flat
    for row in rows:
        cell = cells[row["key"]]
        assert (row["disclosure"], row["n"], row["mean"], row["pct_favourable"], row["change"]) == (
            cell.disclosure, cell.n, cell.mean, cell.pct_favourable, cell.change)
        if cell.disclosure == Disclosure.SUPPRESSED:
            assert row["n"] is row["respondents"] is row["distribution_1"] is row["favourable_band_low"] is None
            assert row["not_shown"]
        if cell.disclosure == Disclosure.FULL and cell.item_id:
            assert [row[f"distribution_{v}"] for v in range(1, 6)] == [cell.distribution[str(v)] for v in range(1, 6)]
    suppressed = [r for r in rows if r["suppression"] == "primary"]
    assert suppressed and {r["not_shown"] for r in suppressed} == {f"fewer than {release.survey.threshold}"}


def test_cells_are_filtered_by_view_school_measure_and_disclosure(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "trustee"))
    school = world.school("a")

    by_school = client.get(api(f"cells/?release={release.pk}&view=school&school={school.pk}&page_size=500")).json()
    one_item = client.get(api(f"cells/?release={release.pk}&measure=item:workload-1&page_size=500")).json()
    banded = client.get(api(f"cells/?release={release.pk}&disclosure=banded&measure=count")).json()
    latest = client.get(api("cells/?view=organisation&measure=count")).json()

    assert {r["key"] for r in by_school["results"]} == {
        k for k, c in cells.items() if c.view == "school" and c.school_id == school.pk}
    assert by_school["results"][0]["place"] == school.name
    assert {r["key"] for r in one_item["results"]} == {k for k in cells if k.endswith("/item:workload-1")}
    assert {r["measure_label"] for r in one_item["results"]} == {cells[next(iter(
        k for k in cells if k.endswith("/item:workload-1")))].item.text["en"]}
    assert banded["results"] == []  # a group is published in full or not at all; only its measures are banded
    assert [r["key"] for r in latest["results"]] == ["organisation/-/-/count"]
    assert latest["results"][0]["release"] == release.pk


def test_bad_filters_are_refused_with_a_clear_error(world, signed_in, released):
    release, _cells = released
    client = signed_in(world.user("a", "organisation_lead"))

    for query, field in (("view=everything", "view"), ("school=abc", "school"), ("measure=item", "measure"),
                         ("disclosure=all", "disclosure"), ("release=first", "release")):
        response = client.get(api(f"cells/?release={release.pk}&{query}" if field != "release" else f"cells/?{query}"))
        assert response.status_code == 400, query
        assert field in response.json(), query


@pytest.mark.parametrize("role, visible", [
    ("school_lead", "own school"), ("governor", "own school"), ("partner", "organisation"),
])
def test_school_roles_and_partners_get_only_the_cells_their_role_reads(world, signed_in, released, role, visible):
    release, cells = released
    client = signed_in(world.user("a", role))

    rows, _pages = every_page(client, api(f"cells/?release={release.pk}&page_size=5000"))
    other_school = client.get(api(f"cells/?release={release.pk}&school={world.school('a', 1).pk}")).json()

    own = world.school("a").pk
    expected = {k for k, c in cells.items()
                if c.view in ORGANISATION_LEVEL or (visible == "own school" and c.school_id == own)}
    assert {r["key"] for r in rows} == expected
    assert other_school["results"] == []


def test_admins_staff_and_other_organisations_get_404(world, signed_in, released):
    release, _cells = released
    for role in ("organisation_admin", "staff"):
        client = signed_in(world.user("a", role))
        assert client.get(api(f"cells/?release={release.pk}")).status_code == 404, role
        assert client.get(api("releases/")).status_code == 404, role
    client = signed_in(world.user("b", "organisation_lead"))
    assert client.get(api(f"cells/?release={release.pk}", org="b")).status_code == 404
    assert client.get(api("releases/", org="b")).json()["results"] == []
    assert client.get(api("cells/", org="b")).status_code == 404  # B has no release at all


def test_the_releases_list_names_each_visible_release(world, signed_in, released):
    release, _cells = released
    client = signed_in(world.user("a", "partner"))

    listed = client.get(api("releases/")).json()["results"]

    assert [(r["id"], r["kind"], r["status"], r["threshold"]) for r in listed] == [
        (release.pk, "final", "published", release.survey.threshold)]
    assert listed[0]["survey_title"] == release.survey.title


def test_format_csv_gives_every_matching_cell_in_one_file(world, signed_in, released):
    release, cells = released
    client = signed_in(world.user("a", "organisation_lead"))

    response = client.get(api(f"cells/?release={release.pk}&format=csv"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(RECORD_FIELDS)
    assert {r["key"] for r in rows} == set(cells)
    formula_places = {r["place"] for r in rows if "HYPERLINK" in r["place"]}
    assert formula_places and all(p.startswith("'=") for p in formula_places)


def test_the_openapi_schema_documents_the_results_api_and_validates(world, signed_in, tmp_path):
    client = signed_in(world.user("a", "organisation_lead"))
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)

    cells = schema["paths"]["/o/{org}/api/results/cells/"]["get"]
    assert {p["name"] for p in cells["parameters"]} >= {"release", "view", "school", "measure", "disclosure", "page"}
    assert "/o/{org}/api/results/releases/" in schema["paths"]
    assert "ResultCell" in schema["components"]["schemas"]
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_a_superseded_interim_release_stays_readable(world, signed_in, released):
    release, cells = released
    with organisation_scope(world.org("a")):
        Release.objects.filter(pk=release.pk).update(status=Release.Status.SUPERSEDED)
    client = signed_in(world.user("a", "organisation_lead"))

    rows, _pages = every_page(client, api(f"cells/?release={release.pk}&page_size=10000"))

    assert len(rows) == len(cells)
