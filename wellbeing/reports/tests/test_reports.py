"""Board reports: snapshots that never change, who may open which report, versions compared,
the meeting calendar and its schedule, and the email to the board."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from actionplans.models import Objective
from conftest import login_with_mfa
from surveys.models import ResultCell
from wellbeing.reports import render, services
from wellbeing.reports.models import BoardMeeting, BoardReport, ReportFrozen
from wellbeing.tenancy.context import organisation_scope

from .test_demo_report import pdf_outline, pdf_text, squash

pytestmark = pytest.mark.django_db


def ready_report(organisation, *, school=None, meeting=None) -> BoardReport:
    with organisation_scope(organisation):
        report = services.report_request(organisation=organisation, school=school, meeting=meeting)
    report = services.report_render(organisation_id=organisation.pk, report_id=report.pk)
    assert report.status == BoardReport.Status.READY, report.error
    with organisation_scope(organisation):
        return BoardReport.objects.get(pk=report.pk)


def client_for(user) -> Client:
    return login_with_mfa(Client(), user)


def url(name, organisation, **kwargs) -> str:
    return reverse(f"reports:{name}", kwargs={"org": organisation.slug, **kwargs})


# --- snapshots --------------------------------------------------------------------------------
def test_changing_results_after_generation_leaves_the_report_and_its_pdf_as_they_were(world, trust, tmp_path):
    organisation, release = trust
    school = world.school("a", 0)
    report = ready_report(organisation, school=school)
    data, html, pdf, sha = report.data, report.html, bytes(report.pdf), report.sha256
    assert hashlib.sha256(pdf).hexdigest() == sha
    before = squash(pdf_text(pdf, tmp_path))
    workload = next(d for d in data["domains"] if d["label"] == "Workload and demands")

    # Later: the school's workload cell and the objective's status change.
    with organisation_scope(organisation):
        cell = ResultCell.objects.get(release=release, key__startswith=f"school/school:{school.pk}/-/",
                                      key__endswith="/domain:workload")
        ResultCell.objects.filter(pk=cell.pk).update(
            disclosure="full", suppression="", pct_favourable=3, pct_neutral=1, pct_unfavourable=96,
            favourable_share=0.03, respondents=cell.respondents or 30, n=cell.n or 30, mean=1.2,
            favourable_band_low=None, favourable_band_high=None)
        Objective.objects.filter(school=school).update(status=Objective.Status.MET, current_value=Decimal("99"))

    with organisation_scope(organisation):
        stored = BoardReport.objects.get(pk=report.pk)
    assert (stored.data, stored.html, bytes(stored.pdf), stored.sha256) == (data, html, pdf, sha)
    assert squash(pdf_text(bytes(stored.pdf), tmp_path)) == before
    assert render.render_html(stored.data) == html  # the stored data alone gives the stored HTML

    # A new version reads the new figures; the first stays as it was; the two compare.
    second = ready_report(organisation, school=school)
    assert second.version == report.version + 1
    assert "Workload and demands 3%" in squash(pdf_text(bytes(second.pdf), tmp_path, layout=False))
    new_workload = next(d for d in second.data["domains"] if d["label"] == "Workload and demands")
    assert new_workload["value"]["favourable"] == 3 and workload != new_workload
    page = client_for(world.user("a", "organisation_lead")).get(
        url("compare", organisation, report_id=second.pk), {"with": report.pk})
    body = squash(page.content.decode())
    assert "Workload and demands" in body and "3%" in body
    assert f"Version {report.version}" in body and f"Version {second.version}" in body
    assert "Objectives met" in body


def test_a_ready_report_refuses_to_change_in_the_model_and_in_the_database(world, trust):
    organisation, _release = trust
    report = ready_report(organisation)
    with organisation_scope(organisation):
        report.html = "<p>edited</p>"
        with pytest.raises(ReportFrozen):
            report.save()
        with pytest.raises(ReportFrozen):
            BoardReport.objects.get(pk=report.pk).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            BoardReport.objects.filter(pk=report.pk).update(pdf=b"%PDF-forged")
        # What may still change: the link to a meeting, the time the board was told.
        BoardReport.objects.filter(pk=report.pk).update(meeting=None)
        assert BoardReport.objects.get(pk=report.pk).html != "<p>edited</p>"


def test_a_hidden_cell_reads_fewer_than_k_in_the_pdf_and_its_number_is_nowhere(world, trust, tmp_path):
    organisation, release = trust
    school = world.school("a", 1)
    with organisation_scope(organisation):
        cell = ResultCell.objects.get(release=release, key=f"school/school:{school.pk}/-/domain:workload")
        shown_before = cell.pct_favourable
        # As disclosure control leaves a cell it suppresses: the reason and no statistic.
        ResultCell.objects.filter(pk=cell.pk).update(
            disclosure="suppressed", suppression="primary", respondents=None, n=None, distribution=None, mean=None,
            sd=None, pct_favourable=None, pct_neutral=None, pct_unfavourable=None, favourable_share=None,
            ci_low=None, ci_high=None, favourable_band_low=None, favourable_band_high=None, change=None,
            mean_change=None, difference=None, mean_difference=None)
        k = release.survey.threshold
    report = ready_report(organisation)
    rows = {row["label"]: row for row in report.data["heatmap"]["rows"]}
    column = report.data["heatmap"]["columns"].index("Workload and demands")
    assert rows[school.name]["values"][column]["state"] == "hidden"
    assert rows[school.name]["values"][column]["favourable"] is None
    text = pdf_text(bytes(report.pdf), tmp_path)
    assert any(school.name in line and f"fewer than {k}" in line for line in text.splitlines())
    assert f"The minimum reporting group for this survey is {k}" in squash(text)
    assert shown_before is not None


def test_a_large_organisations_report_keeps_every_school_in_its_appendix(world, trust, tmp_path, monkeypatch):
    """The large organisation's layout (200 schools in the benchmark), tried on two schools: the
    heatmap only of the schools that differ, summaries of objectives, every school's figures in
    the appendix, a hidden cell still reading "fewer than k" there."""
    organisation, release = trust
    monkeypatch.setattr(render, "LARGE_ORGANISATION_PLACES", 1)
    monkeypatch.setattr(render, "OBJECTIVES_LISTED", 0)
    school = world.school("a", 1)
    with organisation_scope(organisation):
        ResultCell.objects.filter(release=release, key=f"school/school:{school.pk}/-/domain:workload").update(
            disclosure="suppressed", suppression="complementary", respondents=None, n=None, distribution=None,
            mean=None, sd=None, pct_favourable=None, pct_neutral=None, pct_unfavourable=None, favourable_share=None,
            ci_low=None, ci_high=None, favourable_band_low=None, favourable_band_high=None, change=None,
            mean_change=None, difference=None, mean_difference=None)
        k = release.survey.threshold
    report = ready_report(organisation)
    text = pdf_text(bytes(report.pdf), tmp_path)
    flat = squash(text)
    appendix = squash(text[text.index("Appendix: results by school"):])
    for row in report.data["heatmap"]["rows"]:
        assert row["label"] in appendix
        assert all(d is None or isinstance(d, int) for d in row["differences"])
    assert any(school.name in line and f"fewer than {k}" in line for line in text.splitlines())
    assert "Objectives by status" in flat
    for objective in report.data["objectives"]:  # the board's own, and those needing attention
        listed = objective["organisation_wide"] or objective["status"] in render.ATTENTION
        assert (objective["title"] in flat) == listed, objective
    assert "Schools that differ from the rest of the organisation" in flat
    outline = pdf_outline(bytes(report.pdf), tmp_path)
    assert "Appendix: results by school" in outline and "Schools" in outline
    assert render.render_html(report.data) == report.html


# --- who sees what ----------------------------------------------------------------------------
def test_a_governor_opens_their_schools_report_and_gets_404_for_another_schools(world, trust):
    organisation, _release = trust
    own = ready_report(organisation, school=world.school("a", 0))
    other = ready_report(organisation, school=world.school("a", 1))
    board = ready_report(organisation)
    governor = client_for(world.user("a", "governor"))  # governor of A School 1

    assert governor.get(url("report", organisation, report_id=own.pk)).status_code == 200
    online = governor.get(url("online", organisation, report_id=own.pk))
    assert "For the governors of A School 1" in online.content.decode()
    pdf = governor.get(url("pdf", organisation, report_id=own.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(own.pdf)
    for report in (other, board):
        for name in ("report", "online", "pdf", "compare", "progress"):
            assert governor.get(url(name, organisation, report_id=report.pk)).status_code == 404, name
    listing = governor.get(url("list", organisation)).content.decode()
    assert "A School 1" in listing and "A School 2" not in listing and "Trust board" not in listing


def test_a_trustee_opens_every_report_but_prepares_none(world, trust):
    organisation, _release = trust
    reports = [ready_report(organisation, school=world.school("a", i)) for i in (0, 1)] + [ready_report(organisation)]
    trustee = client_for(world.user("a", "trustee"))
    for report in reports:
        assert trustee.get(url("report", organisation, report_id=report.pk)).status_code == 200
        assert trustee.get(url("pdf", organisation, report_id=report.pk)).content == bytes(report.pdf)
    assert trustee.post(url("generate", organisation), {"board": "trust"}).status_code == 404
    assert trustee.post(url("new_version", organisation, report_id=reports[2].pk)).status_code == 404


def test_partners_staff_and_admins_see_no_board_reports(world, trust):
    organisation, _release = trust
    report = ready_report(organisation)
    for role in ("partner", "staff", "organisation_admin"):
        person = client_for(world.user("a", role))
        assert person.get(url("list", organisation)).status_code == 404, role
        assert person.get(url("report", organisation, report_id=report.pk)).status_code == 404, role


def test_a_school_lead_prepares_their_schools_report_only(world, trust):
    organisation, _release = trust
    lead = client_for(world.user("a", "school_lead"))  # lead of A School 1
    response = lead.post(url("generate", organisation), {"board": str(world.school("a", 0).pk)})
    with organisation_scope(organisation):
        report = BoardReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report", organisation, report_id=report.pk)
    assert report.school_id == world.school("a", 0).pk and report.status == BoardReport.Status.QUEUED
    assert lead.post(url("generate", organisation), {"board": str(world.school("a", 1).pk)}).status_code in (400, 404)
    assert lead.post(url("generate", organisation), {"board": "trust"}).status_code in (400, 404)
    with organisation_scope(organisation):
        assert BoardReport.objects.count() == 1


def test_without_published_results_the_lead_is_told_and_nothing_is_queued(world):
    organisation = world.org("a")
    lead = client_for(world.user("a", "organisation_lead"))
    response = lead.post(url("generate", organisation), {"board": "trust"})
    assert response.status_code == 400
    assert "There are no published survey results to report on yet." in response.content.decode()
    with organisation_scope(organisation):
        assert not BoardReport.objects.exists()


# --- calendar, schedule, email ----------------------------------------------------------------
def test_reports_are_prepared_days_before_each_meeting_and_the_board_is_emailed(world, trust):
    organisation, _release = trust
    today = datetime.date(2026, 11, 23)
    lead = client_for(world.user("a", "organisation_lead"))
    response = lead.post(url("meeting_add", organisation), {
        "board": str(world.school("a", 0).pk), "title": "Autumn governors", "date": "2026-12-03", "days_before": "14"})
    assert response.status_code == 302
    lead.post(url("meeting_add", organisation), {
        "board": "trust", "title": "Trust board", "date": "2027-01-20", "days_before": "14"})
    bad = lead.post(url("meeting_add", organisation), {"board": "trust", "title": "", "date": "soon", "days_before": "400"})
    assert bad.status_code == 400
    assert "Enter the meeting&#x27;s title." in bad.content.decode() or "Enter the meeting's title." in bad.content.decode()
    assert "Enter a real date" in bad.content.decode()

    with organisation_scope(organisation):
        assert BoardMeeting.objects.count() == 2
        # The governors' meeting is 10 days away (due), the trust board's 58 (not yet).
        assert services.reports_request_due(organisation=organisation, today=today) == 1
        assert services.reports_request_due(organisation=organisation, today=today) == 0
        report = BoardReport.objects.get()
        assert report.meeting.title == "Autumn governors" and report.school == world.school("a", 0)

    mail.outbox.clear()
    services.report_render(organisation_id=organisation.pk, report_id=report.pk)
    assert [m.to for m in mail.outbox] == [[world.user("a", "governor").email]]
    message = mail.outbox[0]
    assert "Autumn governors" in message.subject
    assert url("report", organisation, report_id=report.pk) in message.body
    with organisation_scope(organisation):
        assert BoardReport.objects.get(pk=report.pk).notified_at is not None
        assert services.report_notify(report=BoardReport.objects.get(pk=report.pk)) == 0  # once only
