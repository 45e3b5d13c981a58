"""Reports prepared by a real Celery worker: the page follows the progress, a failed render says
why and can be tried again, and the task goes to the reports queue in production."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login_with_mfa
from wellbeing.reports import render
from wellbeing.reports.models import BoardReport
from wellbeing.tenancy.context import organisation_scope

pytestmark = pytest.mark.celery


def wait_for(organisation, report_id, statuses, timeout=120) -> BoardReport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with organisation_scope(organisation):
            report = BoardReport.objects.get(pk=report_id)
        if report.status in statuses:
            return report
        time.sleep(0.3)
    raise AssertionError(f"report {report_id} still {report.status}")


def test_the_worker_prepares_the_report_and_the_page_shows_progress_then_the_links(world, trust, celery_worker):
    organisation, _release = trust
    lead = login_with_mfa(Client(), world.user("a", "organisation_lead"))
    response = lead.post(reverse("reports:generate", kwargs={"org": organisation.slug}), {"board": "trust"})
    page = lead.get(response["Location"])
    body = page.content.decode()
    report_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert 'id="report-progress"' in body
    assert "Read online" not in body or 'data-status="ready"' in body

    report = wait_for(organisation, report_id, {BoardReport.Status.READY, BoardReport.Status.FAILED})
    assert report.status == BoardReport.Status.READY, report.error
    fragment = lead.get(reverse("reports:progress", kwargs={"org": organisation.slug, "report_id": report_id}))
    assert 'data-status="ready"' in fragment.content.decode() and "hx-get" not in fragment.content.decode()
    body = lead.get(response["Location"]).content.decode()
    assert "Read online" in body and "Download the PDF" in body and report.sha256 in body


def test_a_failed_render_says_why_and_can_be_tried_again(world, trust, celery_worker, monkeypatch):
    organisation, _release = trust
    lead = login_with_mfa(Client(), world.user("a", "organisation_lead"))

    def broken(html):
        raise OSError("no fonts could be loaded for the PDF")

    monkeypatch.setattr(render, "render_pdf", broken)
    response = lead.post(reverse("reports:generate", kwargs={"org": organisation.slug}), {"board": "trust"})
    report_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    report = wait_for(organisation, report_id, {BoardReport.Status.READY, BoardReport.Status.FAILED})
    assert report.status == BoardReport.Status.FAILED
    assert report.error == "OSError: no fonts could be loaded for the PDF"
    body = lead.get(response["Location"]).content.decode()
    assert "The report could not be prepared" in body and "no fonts could be loaded for the PDF" in body
    assert "Try again" in body

    monkeypatch.undo()
    retry = lead.post(reverse("reports:retry", kwargs={"org": organisation.slug, "report_id": report_id}))
    assert retry.status_code == 302
    report = wait_for(organisation, report_id, {BoardReport.Status.READY})
    assert report.error == "" and report.attempts == 2 and report.version == 1 and report.pdf


def test_report_rendering_is_routed_to_its_own_queue_in_production():
    from wellbeing.settings import base

    assert base.CELERY_TASK_ROUTES["wellbeing.reports.tasks.report_render_task"] == {"queue": "reports"}
