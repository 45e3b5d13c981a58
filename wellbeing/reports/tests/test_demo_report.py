"""The demo trust's trustee report, generated and read back from its PDF (issue 7's "done when").

The PDF is read with poppler (pdftotext, pdftohtml for the outline, pdfinfo, pdftoppm): what a
trustee's PDF reader shows, not what the code meant to write. Pages rendered to PNG are kept
under test-artifacts/reports/ for a person to look at.
"""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from django.conf import settings

from surveys.disclosure.rules import FavourableBand
from surveys.models import CommentQuestion, Release, ReleaseComment
from surveys.results import organisation_heatmap, place_results, release_latest
from wellbeing.demo import LOADERS, Demo
from wellbeing.reports import render, services
from wellbeing.reports.models import BoardReport
from wellbeing.tenancy.context import organisation_scope

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "reports"
PLANTED = "Zebra-crossing-47 says the head shouts at Mrs Example"


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_outline(pdf: bytes, tmp_path: Path) -> list[str]:
    """The PDF's bookmarks (outline), as poppler reads them."""
    path = tmp_path / "outline.pdf"
    path.write_bytes(pdf)
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(path)], check=True,
                         capture_output=True, text=True).stdout
    root = ET.fromstring(xml.encode())
    return [" ".join("".join(item.itertext()).split()) for item in root.iter("item")]


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def pdf_catalog(pdf: bytes) -> bytes:
    """The document catalog (WeasyPrint writes it inside a compressed object stream)."""
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            body = zlib.decompress(pdf[match.end():end])
        except zlib.error:
            continue
        start = body.find(b"/Type /Catalog")
        if start >= 0:
            return body[start:body.find(b">>\n", start)]
    return b""


def keep_pages_as_png(pdf: bytes, name: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def demo_trust(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    demo = Demo(stdout=io.StringIO())
    from django.utils.module_loading import import_string

    for path in LOADERS:
        if path.startswith("wellbeing.demo.reports"):
            continue  # the report is what this test makes
        import_string(path)(demo=demo)
    return demo


@pytest.mark.django_db
def test_the_demo_trusts_trustee_report_reads_back_from_its_pdf(demo_trust, tmp_path):
    organisation = demo_trust.organisations["northbrook"]
    with organisation_scope(organisation):
        release = release_latest()
        # A comment planted in the published comments (what leads read): never in a board pack.
        question = CommentQuestion.objects.filter(instrument_id=release.survey.instrument_id).first()
        ReleaseComment.objects.create(organisation=organisation, release=release, question=question, text=PLANTED,
                                      position=0)
        report = services.report_request(organisation=organisation, school=None)
    report = services.report_render(organisation_id=organisation.pk, report_id=report.pk)
    assert report.status == BoardReport.Status.READY, report.error

    with organisation_scope(organisation):
        report = BoardReport.objects.get(pk=report.pk)
        release = Release.objects.get(pk=report.release_id)
        k = release.survey.threshold
        organisation_place = place_results(release=release)
        heatmap = organisation_heatmap(release=release)
    pdf = bytes(report.pdf)
    text = pdf_text(pdf, tmp_path)
    flat = squash(text)

    # Summary figures equal the released cells (in reading order: pdftotext without -layout).
    reading = squash(pdf_text(pdf, tmp_path, layout=False))
    pages = keep_pages_as_png(pdf, "demo-trustee-report")
    (ARTIFACTS / "demo-trustee-report.txt").write_text(text)

    def shown(cell) -> str:
        if cell is None or not cell.is_reportable:
            return f"fewer than {k}" if cell is None or cell.suppression in ("primary", "complementary") else ""
        if cell.disclosure == "full":
            return f"{cell.pct_favourable}%"
        return FavourableBand(cell.favourable_band_low, cell.favourable_band_high).label()

    count = organisation_place.count
    respondents = str(count.respondents) if count.is_reportable else f"fewer than {k}"
    assert f"People who answered {respondents} Response rate" in reading
    wellbeing = next(d for d in organisation_place.domains if d.domain.code == "personal-wellbeing")
    assert f"Overall wellbeing (Personal wellbeing, % favourable) {shown(wellbeing.result.cell)}" in reading
    results_page = reading[reading.index("Percentage of favourable answers by area"):]
    for domain in organisation_place.domains:
        expected = shown(domain.result.cell)
        if expected:
            assert f"{domain.domain.name_in('en')} {expected}" in results_page, domain.domain.code
    # Every school's row, with its released figures or its reason.
    schools_table = reading[reading.index("People who answered and % favourable by area"):]
    published = 0
    for row in heatmap.rows:
        assert row.label in schools_table
        if row.count is not None and row.count.is_reportable:
            # The heatmap prints the school's values in a row; the table its count beside its name.
            values = " ".join(shown(cell) for cell in row.cells)
            assert values in reading, row.label
            start = " ".join(row.label.split()[:2])
            assert any(start in line and str(row.count.respondents) in line.split() for line in text.splitlines()), row.label
            published += 1
    assert published >= 3

    # Suppressed cells read "fewer than k" (wherever the release hid one), with the methodology
    # saying what k is. (test_reports.py hides a cell on purpose and reads its row back.)
    def hidden_values(node):
        if isinstance(node, dict):
            if node.get("state") == "hidden" and node.get("reason") in ("primary", "complementary"):
                yield node
            for child in node.values():
                yield from hidden_values(child)
        elif isinstance(node, list):
            for child in node:
                yield from hidden_values(child)

    if any(hidden_values(report.data)):
        assert f"fewer than {k}" in flat
    for row in report.data["heatmap"]["rows"]:
        if row["cluster"]:
            assert f"reported in {row['cluster']}" in flat
    assert f"The minimum reporting group for this survey is {k}" in flat

    # No comment text anywhere: not in the PDF, its HTML or its data.
    assert PLANTED not in flat and PLANTED not in report.html and PLANTED not in str(report.data)
    with organisation_scope(organisation):
        for comment in ReleaseComment.objects.filter(release=release).exclude(text=PLANTED)[:50]:
            if len(comment.text) > 25:
                assert squash(comment.text) not in flat

    # Bookmarks, tagging, language and title.
    outline = pdf_outline(pdf, tmp_path)
    for heading in ("Summary", "Results by area", "Schools", "Trends", "Objectives", "Action plan progress",
                    "Charter self-assessment", "Workload impact assessments", "Methodology and anonymity",
                    "Three strengths", "Heatmap"):
        assert heading in outline, outline
    info = pdf_info(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == f"Staff wellbeing report for the trustees of {organisation.name}"
    catalog = pdf_catalog(pdf)
    assert f"/Lang ({organisation.default_language})".encode() in catalog and b"/Outlines" in catalog
    assert int(info["Pages"]) == report.pages >= 8
    assert "2 / " in text  # page numbers

    # The stored data fully determines the output: rendering it again gives the same HTML.
    assert render.render_html(report.data) == report.html

    assert len(pages) == report.pages and all(page.stat().st_size > 1000 for page in pages)


@pytest.mark.django_db
def test_the_demo_loader_adds_a_meeting_calendar_and_a_ready_trust_board_report_once(demo_trust):
    from wellbeing.demo import reports as report_demo
    from wellbeing.reports.models import BoardMeeting

    organisation = demo_trust.organisations["northbrook"]
    report_demo.load(demo=demo_trust)
    report_demo.load(demo=demo_trust)
    with organisation_scope(organisation):
        meetings = list(BoardMeeting.objects.order_by("date"))
        assert [(m.title, bool(m.school_id)) for m in meetings] == [
            ("Trust board: staff wellbeing", False), ("Governing board: autumn term", True)]
        report = BoardReport.objects.get()
        assert report.status == BoardReport.Status.READY and report.meeting == meetings[0]
        assert report.school_id is None and report.pages >= 8
