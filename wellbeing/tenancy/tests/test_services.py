"""Roster import services and task: redelivery is harmless, progress is visible, failures say so."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wellbeing.tenancy import services
from wellbeing.tenancy.context import current_organisation_id, organisation_scope, organisation_task
from wellbeing.tenancy.models import RosterImport, School, StaffMember
from wellbeing.tenancy.selectors import roster_import_progress, roster_import_progress_key
from wellbeing.tenancy.tasks import roster_import_process_task

HEADER = "email,name,school,job category,contract,fte,start year\n"


def roster_file(count, *, school="A School 1", name="Person"):
    lines = [f"p{i}@a.example.org,{name} {i},{school},Teacher,Full time,1,2010\n" for i in range(count)]
    return SimpleUploadedFile("roster.csv", (HEADER + "".join(lines)).encode())


def queued_import(world, settings, django_capture_on_commit_callbacks, count=5):
    """An import large enough for the worker, queued but not yet run."""
    settings.ROSTER_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with organisation_scope(world.org("a")):
            roster_import = services.roster_import_start(
                organisation=world.org("a"), uploaded_by=None, file=roster_file(count)
            )
    assert len(queued) == 1  # the task is sent only once the upload is committed
    return roster_import


def test_a_redelivered_task_changes_nothing_the_second_time(world, settings, django_capture_on_commit_callbacks):
    roster_import = queued_import(world, settings, django_capture_on_commit_callbacks)

    roster_import_process_task(world.org("a").pk, roster_import.pk)
    with organisation_scope(world.org("a")):
        StaffMember.objects.filter(email="p0@a.example.org").update(name="Renamed since")
    roster_import_process_task(world.org("a").pk, roster_import.pk)  # e.g. after a lost ack

    with organisation_scope(world.org("a")):
        assert StaffMember.objects.count() == 5
        assert StaffMember.objects.get(email="p0@a.example.org").name == "Renamed since"
        roster_import.refresh_from_db()
        assert (roster_import.status, roster_import.created_count, roster_import.rows) == ("done", 5, [])


def test_the_progress_page_shows_the_workers_running_count(world, signed_in, settings, django_capture_on_commit_callbacks):
    roster_import = queued_import(world, settings, django_capture_on_commit_callbacks, count=8)
    client = signed_in(world.user("a", "organisation_admin"))
    detail = reverse("tenancy:roster_import", kwargs={"org": "trust-a", "pk": roster_import.pk})
    progress = reverse("tenancy:roster_import_progress", kwargs={"org": "trust-a", "pk": roster_import.pk})

    waiting = client.get(detail).content.decode()
    cache.set(roster_import_progress_key(roster_import), 2)
    running = client.get(progress).content.decode()

    # Without JavaScript the page reloads itself; with it, htmx polls the fragment every second.
    assert '<meta http-equiv="refresh"' in waiting and "Reload this page" in waiting
    assert 'data-status="pending"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert 'data-status="running"' in running and "2 of 8 rows (25%)" in running
    with organisation_scope(world.org("a")):
        assert roster_import_progress(roster_import=roster_import).percent == 25


def test_an_import_the_worker_gave_up_on_says_so_and_changed_nothing(world, signed_in, settings, django_capture_on_commit_callbacks):
    roster_import = queued_import(world, settings, django_capture_on_commit_callbacks)

    roster_import_process_task.on_failure(RuntimeError("boom"), "id", (world.org("a").pk, roster_import.pk), {}, None)

    client = signed_in(world.user("a", "organisation_admin"))
    page = client.get(reverse("tenancy:roster_import", kwargs={"org": "trust-a", "pk": roster_import.pk}))
    assert "Nothing was imported" in page.content.decode()
    assert "problem on our side" in page.content.decode()
    with organisation_scope(world.org("a")):
        assert StaffMember.objects.count() == 0
        assert RosterImport.objects.get().status == RosterImport.Status.FAILED


def test_organisation_task_runs_the_body_for_that_organisation_only(world):
    @organisation_task
    def count_schools(organisation_id):
        return current_organisation_id(), sorted(School.objects.values_list("name", flat=True))

    assert count_schools(world.org("b").pk) == (world.org("b").pk, ["B School 1", "B School 2"])


def test_a_school_cannot_be_renamed_to_another_schools_name(world):
    with organisation_scope(world.org("a")):
        school = world.school("a", 1)
        with pytest.raises(ValidationError, match="already a school called"):
            services.school_update(school=school, name="A SCHOOL 1", phase="primary", staff_count=3)
        school.refresh_from_db()
        assert school.name == "A School 2"
