"""Releases: built beside the current one, swapped in one transaction, protected when written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from surveys import services
from surveys.disclosure.audit import Atom, Cell, brute_force_leaks
from surveys.generator import GeneratedRespondent, WaveProfile, generate_wave
from surveys.models import (
    DemographicQuestion,
    Driver,
    Item,
    Release,
    ReleaseAtom,
    ReleaseCluster,
    ReleaseComment,
    ResultCell,
)
from surveys.results import (
    NO_RESULTS,
    NOT_REPORTABLE,
    REPORTABLE,
    organisation_heatmap,
    place_results,
    question_cut,
    release_current,
    released_measure,
)
from surveys.services.releases import ReleaseRefused, release_build
from surveys.signals import release_published
from surveys.tasks import release_build_task
from surveys.tests.factories import core_instrument, invite, make_survey
from surveys.tests.waves import closed_wave, roster
from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School, StaffMember

Disclosure = ResultCell.Disclosure
View = ResultCell.View
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def trust(world):
    """Two large schools, one of 16 staff (no demographic cuts) and five tiny ones (a cluster)."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={
            "Big": 70, "Mid": 40, "Sixteen": 16, "Tiny 1": 5, "Tiny 2": 6, "Tiny 3": 7, "Tiny 4": 8, "Tiny 5": 6,
        }, seed=4)
    return organisation, schools


def test_a_final_release_publishes_cells_and_counts_what_it_suppressed(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, wave = closed_wave(organisation=organisation, schools=schools, seed=5)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        cells = list(ResultCell.objects.filter(release=release))

    assert release.status == Release.Status.PUBLISHED
    assert release.number == 1 and release.published_on is not None
    assert release.respondents == len(wave.respondents)
    assert release.cells_published == sum(1 for c in cells if c.disclosure == Disclosure.FULL) > 0
    assert release.cells_banded == sum(1 for c in cells if c.disclosure == Disclosure.BANDED) > 0
    assert release.cells_primary_suppressed == sum(1 for c in cells if c.suppression == "primary") > 0
    assert release.cells_complementary_suppressed == sum(1 for c in cells if c.suppression == "complementary")
    assert release.build_seconds > 0 and release.audit_seconds >= 0
    for cell in cells:
        if cell.disclosure == Disclosure.SUPPRESSED:
            assert (cell.n, cell.respondents, cell.mean, cell.distribution, cell.pct_favourable,
                    cell.favourable_band_low, cell.change, cell.difference) == (None,) * 8
        if cell.disclosure == Disclosure.BANDED:
            # An item under 10 answers; a domain also when none of its items is shown in full.
            assert cell.n < 10 or cell.domain_id
            assert (cell.mean, cell.distribution, cell.pct_favourable, cell.ci_low, cell.change) == (None,) * 5
            assert cell.favourable_band_low <= cell.favourable_band_high
        if cell.disclosure == Disclosure.FULL and cell.item_id:
            assert cell.n >= 10
            assert cell.pct_favourable + cell.pct_neutral + cell.pct_unfavourable == 100


def test_the_database_refuses_a_suppressed_cell_with_a_number_and_a_banded_cell_with_more_than_a_band(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, _wave = closed_wave(organisation=organisation, schools=schools, seed=5)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        base = {"organisation": organisation, "release": release, "view": View.ORGANISATION}
        for key, values in (
            ("x1", {"disclosure": Disclosure.SUPPRESSED, "n": 4}),
            ("x2", {"disclosure": Disclosure.SUPPRESSED, "favourable_band_low": 20, "favourable_band_high": 40}),
            ("x3", {"disclosure": Disclosure.SUPPRESSED, "mean_change": 0.3}),
            ("x4", {"disclosure": Disclosure.BANDED, "favourable_band_low": 20, "favourable_band_high": 60,
                    "pct_favourable": 40}),
            ("x5", {"disclosure": Disclosure.BANDED, "n": 6}),  # a banded cell without its band
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                ResultCell.objects.create(key=key, **base, **values)


def test_small_schools_are_reported_in_a_cluster_and_small_schools_get_no_demographic_cuts(trust):
    organisation, schools = trust
    big, _mid, sixteen, *tiny = schools
    with organisation_scope(organisation):
        survey, wave = closed_wave(organisation=organisation, schools=schools, seed=5,
                                   profile=WaveProfile(response_rate=0.95))
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        clusters = list(ReleaseCluster.objects.filter(release=release))
        job = DemographicQuestion.objects.get(organisation__isnull=True, code="job_category")
        small_cut = question_cut(release=release, question=job, school=sixteen)
        big_cut = question_cut(release=release, question=job, school=big)
        tiny_measure = released_measure(release=release, school=tiny[0])
        heatmap = organisation_heatmap(release=release)
    responded = {s.pk: sum(1 for r in wave.respondents if r.school_id == s.pk) for s in schools}
    assert all(0 < responded[s.pk] < 10 for s in tiny)
    assert 10 <= responded[sixteen.pk] < 20

    assert len(clusters) == 1 and sorted(clusters[0].school_ids) == sorted(s.pk for s in tiny)
    cluster_row = next(r for r in heatmap.rows if r.cluster is not None)
    assert cluster_row.count.respondents == sum(responded[s.pk] for s in tiny)
    assert tiny_measure.state == NOT_REPORTABLE and tiny_measure.reason == "small_school"
    assert tiny_measure.cell.cluster == clusters[0]
    assert small_cut.rows == [] and small_cut.cut_off.suppression == "cut_off"
    assert big_cut.cut_off is None and {row.code for row in big_cut.rows} >= {"teacher"}


def test_banded_item_cells_show_the_disclosure_rules_band_of_their_answers(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, _wave = closed_wave(organisation=organisation, schools=schools, seed=5)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        banded = list(ResultCell.objects.filter(release=release, disclosure=Disclosure.BANDED, item__isnull=False))
        with_counts = {
            c.key: c for c in ResultCell.objects.filter(release=release, disclosure=Disclosure.FULL,
                                                        item__isnull=False)
        }
    assert banded
    for cell in banded:
        assert survey.threshold <= cell.n < 10
        assert (cell.favourable_band_low, cell.favourable_band_high) != (100, 100)
        assert (cell.favourable_band_low, cell.favourable_band_high) != (0, 0)
    assert all(c.n >= 10 for c in with_counts.values())


def groups_as_cells(release, wave, tag):
    """The published groups of a release as 0/1 vectors over the generator's respondents."""
    members = []
    clusters = {c.pk: set(c.school_ids) for c in ReleaseCluster.objects.filter(release=release)}
    for cell in ResultCell.objects.filter(release=release, item__isnull=True, domain__isnull=True).exclude(
        disclosure=Disclosure.SUPPRESSED
    ):
        answers = [(q, c) for q, c in ((cell.demographic_1, cell.code_1), (cell.demographic_2, cell.code_2)) if q]

        def inside(r, cell=cell, answers=answers):
            if cell.view == View.CLUSTER and r.school_id not in clusters[cell.cluster_id]:
                return False
            if cell.school_id and r.school_id != cell.school_id:
                return False
            return all(r.demographics.get(q.code) == c for q, c in answers)

        members.append(((tag, cell.key), {i for i, r in enumerate(wave) if inside(r)}))
    return members


def assert_no_small_group_is_derivable(cells, respondents, k):
    """The rank criterion of DESIGN.md, by brute force over respondents grouped into atoms."""
    signature = {}
    for i in range(len(respondents)):
        signature.setdefault(tuple(i in m for _key, m in cells), []).append(i)
    atoms = [Atom(id=sig, size=len(ids)) for sig, ids in signature.items()]
    atom_of = {i: sig for sig, ids in signature.items() for i in ids}
    audit_cells = [Cell(id=key, atoms=frozenset(atom_of[i] for i in m)) for key, m in cells]
    assert brute_force_leaks(atoms, audit_cells, k) == set()


def test_an_interim_release_is_audited_together_with_the_final_one(world):
    """Two people answer after the interim release, both in one school: the school's final cell
    minus its interim cell would show their answers, so the final release must hide something."""
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"One": 14, "Two": 12, "Three": 11}, seed=8)
        survey = make_survey(organisation=organisation, schools=schools, demographics=("contract",),
                             open_it=True)
        wave = generate_wave(survey=survey, seed=3, profile=WaveProfile(response_rate=0.9), invitations=False)
        interim = release_build(survey=survey, kind=Release.Kind.INTERIM)
        late = []
        for contract in ("full_time", "part_time"):
            _invitation, token = invite(survey, schools[0])
            services.response_submit(token=token, answers={"workload-1": 2, "control-1": 4},
                                     demographics={"contract": contract})
            late.append(GeneratedRespondent(schools[0].pk, {"contract": contract}, {}))
        survey = services.survey_close(survey=survey)
        final = release_build(survey=survey, kind=Release.Kind.FINAL)
        interim.refresh_from_db()
        everyone = wave.respondents + late
        cells = groups_as_cells(interim, wave.respondents, "interim") + groups_as_cells(final, everyone, "final")
    assert interim.status == Release.Status.SUPERSEDED and final.status == Release.Status.PUBLISHED
    assert final.cells_complementary_suppressed > 0
    # Interim cells cover only the early respondents (indexes 0..n-1 are the same people).
    assert_no_small_group_is_derivable(cells, everyone, survey.threshold)


def test_each_release_keeps_its_answered_counts_so_the_next_audits_each_item_exactly(world, monkeypatch):
    """The audit of each item over its answerers (on by default) needs, for respondents counted
    by an interim release and by the final one, how many of each release's answered: each
    release stores them per atom (aggregates, like its respondent counts), so the final release
    audits every measure with exact counts and pools none (surveys.disclosure.measures)."""
    from surveys.services import release_cells

    assert settings.DISCLOSURE_AUDIT_ITEM_NONRESPONSE
    audited = []
    protect_measures = release_cells.protect_measures

    def spy(*args, measures, **kwargs):
        audited.append(list(measures))
        return protect_measures(*args, measures=measures, **kwargs)

    monkeypatch.setattr(release_cells, "protect_measures", spy)
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"One": 14, "Two": 12, "Three": 11}, seed=8)
        survey = make_survey(organisation=organisation, schools=schools, demographics=("contract",),
                             open_it=True)
        wave = generate_wave(survey=survey, seed=3, profile=WaveProfile(response_rate=0.9), invitations=False)
        interim = release_build(survey=survey, kind=Release.Kind.INTERIM)
        items = {item.code: item.pk for item in Item.objects.filter(instrument_id=survey.instrument_id)}
        for contract in ("full_time", "part_time"):
            _invitation, token = invite(survey, schools[0])
            services.response_submit(token=token, answers={"workload-1": 2, "control-1": 4},
                                     demographics={"contract": contract})
        survey = services.survey_close(survey=survey)
        final = release_build(survey=survey, kind=Release.Kind.FINAL)
        stored = {
            release.pk: list(ReleaseAtom.objects.filter(release=release).values_list("respondents", "answered"))
            for release in (interim, final)
        }
    # Per item, the atoms' answered counts add up to the item's answers in that release.
    for release, respondents in ((interim, wave.respondents), (final, None)):
        for code in ("workload-1", "control-1", "workload-2"):
            total = sum(atom_answered.get(f"item:{items[code]}", n) for n, atom_answered in stored[release.pk])
            if respondents is not None:
                assert total == sum(1 for r in respondents if r.answers.get(items[code]) is not None)
            else:
                late = 0 if code == "workload-2" else 2
                assert total == sum(1 for r in wave.respondents if r.answers.get(items[code]) is not None) + late
        assert all(0 <= m <= n for n, counts in stored[release.pk] for m in counts.values())
    # The late two skipped every other item: the final release audits those exactly, pooled nowhere.
    final_audit = audited[-1]
    assert len(audited) == 2 and final_audit and not any(m.pooled for m in final_audit)
    skipped = next(m for m in final_audit if m.id == ("item", items["workload-2"]))
    assert 0 in skipped.answered.values()


def test_a_release_with_demographic_cuts_leaves_no_group_of_fewer_than_k_derivable(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"One": 30, "Two": 26, "Three": 22}, seed=9)
        survey, wave = closed_wave(organisation=organisation, schools=schools, seed=13,
                                   demographics=("contract", "job_category"))
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        cells = groups_as_cells(release, wave.respondents, "final")
    assert len(cells) > 10
    assert_no_small_group_is_derivable(cells, wave.respondents, survey.threshold)


def test_a_failed_build_leaves_the_previous_release_published(trust, monkeypatch):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey = make_survey(organisation=organisation, schools=schools, open_it=True)
        generate_wave(survey=survey, seed=1)
        first = release_build(survey=survey, kind=Release.Kind.INTERIM)

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr("surveys.services.releases._write_drivers", broken)
        with pytest.raises(RuntimeError):
            release_build(survey=survey, kind=Release.Kind.INTERIM)
        failed = Release.objects.get(survey=survey, number=2)
        assert release_current(survey=survey) == first
        assert failed.status == Release.Status.FAILED and "disk full" in failed.error
        assert not ResultCell.objects.filter(release=failed).exists()


def test_a_stale_building_release_is_replaced_and_a_final_release_is_built_once(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, _wave = closed_wave(organisation=organisation, schools=schools, seed=5)
        stale = Release.objects.create(survey=survey, kind=Release.Kind.FINAL, number=1)
        ResultCell.objects.create(release=stale, key="organisation/-/-/count", view=View.ORGANISATION,
                                  disclosure=Disclosure.FULL, respondents=3, n=3)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        again = release_build(survey=survey, kind=Release.Kind.FINAL)
        assert not Release.objects.filter(pk=stale.pk).exists()
        assert again == release and Release.objects.filter(survey=survey).count() == 1


def test_releases_are_refused_in_the_wrong_state(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey = make_survey(organisation=organisation, schools=schools, open_it=True)
        with pytest.raises(ReleaseRefused) as refused:
            release_build(survey=survey, kind=Release.Kind.FINAL)
        assert refused.value.code == "not_closed"
        survey = services.survey_close(survey=survey)
        with pytest.raises(ReleaseRefused):
            release_build(survey=survey, kind=Release.Kind.INTERIM)
        assert not Release.objects.filter(survey=survey).exists()


def test_release_published_is_sent_after_commit(trust, django_capture_on_commit_callbacks):
    organisation, schools = trust
    received = []

    def receiver(sender, release_id, organisation_id, **kwargs):
        received.append((release_id, organisation_id))

    release_published.connect(receiver, dispatch_uid="test_release_published")
    try:
        with organisation_scope(organisation):
            survey, _wave = closed_wave(organisation=organisation, schools=schools, seed=5)
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                release = release_build(survey=survey, kind=Release.Kind.FINAL)
            assert received == []
            for callback in callbacks:
                callback()
    finally:
        release_published.disconnect(dispatch_uid="test_release_published")
    assert (release.pk, organisation.pk) in received


def test_comments_are_redacted_shuffled_and_named_by_school_only_from_10_respondents(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, wave = closed_wave(organisation=organisation, schools=schools, seed=5,
                                   profile=WaveProfile(comment_rate=0.6))
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        comments = list(ReleaseComment.objects.filter(release=release))
        names = [n.split()[-1] for n in StaffMember.objects.values_list("name", flat=True)]
    responded = {s.pk: sum(1 for r in wave.respondents if r.school_id == s.pk) for s in schools}
    assert len(comments) == len(wave.comments)
    assert any("[email]" in c.text or "[name]" in c.text for c in comments)
    for comment in comments:
        assert "@" not in comment.text
        assert not any(name in comment.text for name in names)
        if comment.school_id is not None:
            assert responded[comment.school_id] >= 10
    assert {c.school_id for c in comments if c.school_id} <= {s.pk for s in schools if responded[s.pk] >= 10}


def test_no_driver_analysis_for_25_respondents_or_fewer(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Only": 26}, seed=2)
        survey, wave = closed_wave(organisation=organisation, schools=schools, seed=3,
                                   profile=WaveProfile(response_rate=0.8))
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        assert len(wave.respondents) <= 25
        assert not Driver.objects.filter(release=release).exists()


def test_released_measure_reads_cells_by_code(trust):
    organisation, schools = trust
    with organisation_scope(organisation):
        survey, _wave = closed_wave(organisation=organisation, schools=schools, seed=5)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        instrument = core_instrument()
        item = instrument.items.get(code="workload-1")
        domain = instrument.domains.get(code="workload")
        other = School.objects.create(name="Not surveyed", phase=School.Phase.PRIMARY)
        organisation_item = released_measure(release=release, item=item)
        school_domain = released_measure(release=release, school=schools[0], domain=domain)
        missing = released_measure(release=release, school=other, item=item)
        page = place_results(release=release, school=schools[0])
    assert organisation_item.state == REPORTABLE and organisation_item.pct_favourable is not None
    assert school_domain.state == REPORTABLE and school_domain.mean is not None
    assert missing.state == NO_RESULTS
    assert page.count.respondents > 0
    assert [d.domain.code for d in page.domains][0] == "workload"
    assert page.domains[0].result.cell == school_domain.cell


# --- storage scrub ----------------------------------------------------------------------------
def _xmins(table: str, survey_id: int, order: str = "ctid") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id::text, xmin::text FROM {table} WHERE survey_id = %s ORDER BY {order}", [survey_id])
        return cursor.fetchall()


@pytest.mark.celery
def test_the_final_release_scrubs_ordering_traces_from_the_answers_storage(world, transactional_db, celery_worker):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = [School.objects.create(name="Scrub school", phase=School.Phase.PRIMARY)]
        survey = make_survey(organisation=organisation, schools=schools, open_it=True)
        tokens = [invite(survey, schools[0])[1] for _ in range(12)]
    for i, token in enumerate(tokens):  # one transaction each, as in real life
        services.response_submit(token=token, answers={"workload-1": 1 + i % 5, "control-1": 3},
                                 comments={"anything-else": f"Comment {i}"})
    with organisation_scope(organisation):
        responses = _xmins("surveys_response", survey.pk, order="xmin::text::bigint")
        invitations = dict(_xmins("surveys_invitation", survey.pk))
        # Before: each response was written by the transaction that marked an invitation.
        assert {x for _id, x in responses} <= set(invitations.values())
        submitted_order = [response_id for response_id, _x in responses]
        survey = services.survey_close(survey=survey)
    release_build(survey=survey, kind=Release.Kind.FINAL)

    def scrubbed():  # by a task of its own, queued once the release is published
        with organisation_scope(organisation):
            return not {x for _id, x in _xmins("surveys_response", survey.pk)} & set(invitations.values())

    _wait_for(scrubbed, seconds=60)
    with organisation_scope(organisation):
        after = _xmins("surveys_response", survey.pk)
        rewritten = {x for _id, x in _xmins("surveys_comment", survey.pk)}
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT a.xmin::text FROM surveys_answer a JOIN surveys_response r "
                           "ON r.id = a.response_id WHERE r.survey_id = %s", [survey.pk])
            rewritten |= {x for (x,) in cursor.fetchall()}
        invitations_after = {x for _id, x in _xmins("surveys_invitation", survey.pk)}
    written_by = {x for _id, x in after}
    # After: one transaction (the publishing one) wrote every row; nothing links them any more.
    assert len(written_by) == 1 and rewritten == written_by == invitations_after
    assert not written_by & set(invitations.values())
    assert sorted(i for i, _x in after) == sorted(submitted_order)
    assert [i for i, _x in after] != submitted_order


# --- the Celery task --------------------------------------------------------------------------
@pytest.mark.celery
def test_closing_a_survey_queues_its_final_release(world, celery_worker):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Queued": 30}, seed=3)
        survey = make_survey(organisation=organisation, schools=schools, open_it=True)
        generate_wave(survey=survey, seed=4)
    with organisation_scope(organisation):
        services.survey_close(survey=survey)
    release = _wait_for(lambda: _published(organisation, survey), seconds=60)
    assert release.kind == Release.Kind.FINAL and release.cells_published > 0


def _published(organisation, survey):
    with organisation_scope(organisation):
        return Release.objects.filter(survey=survey, status=Release.Status.PUBLISHED, kind="final").first()


def _wait_for(found, *, seconds: float, every: float = 0.25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"nothing after {seconds} s")


KILL_RUN = f"{settings.TEST_RUN or 'main'}-kill"


def _worker_environment(**extra) -> dict:
    """The environment of a worker process for this test run's database (the owner's URL with
    the test database's name) and Redis, on a queue of its own: the run's in-process worker
    (celery_worker fixture) never takes its tasks."""
    environment = dict(os.environ)
    owner_url = environment.get("DATABASE_URL", settings.DATABASE_URL)
    test_name = connections["default"].settings_dict["NAME"]
    environment["DATABASE_URL"] = urlunsplit(urlsplit(owner_url)._replace(path=f"/{test_name}"))
    environment["DJANGO_SETTINGS_MODULE"] = "wellbeing.settings.test"
    environment["STAFFWELL_TEST_RUN"] = KILL_RUN
    environment.pop("PYTEST_XDIST_WORKER", None)  # KILL_RUN already names this test process
    environment["RELEASE_TEST_VISIBILITY_TIMEOUT"] = "3"
    environment.update(extra)
    return environment


def _start_worker(log: Path, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "surveys.tests.release_worker", "worker", "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=_worker_environment(**extra), stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _current(organisation, survey):
    with organisation_scope(organisation):
        return release_current(survey=survey)


@pytest.mark.celery
def test_a_worker_killed_mid_build_leaves_the_previous_release_and_the_retry_publishes(
    world, transactional_db, tmp_path
):
    from wellbeing.celery import app

    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Alpha": 40, "Beta": 30}, seed=6)
        survey = make_survey(organisation=organisation, schools=schools, open_it=True)
        generate_wave(survey=survey, seed=7)
        previous = release_build(survey=survey, kind=Release.Kind.INTERIM)
    queue = f"staffwell-test-{KILL_RUN}"
    with app.connection_for_write() as broker:
        broker.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
        broker.default_channel.queue_purge(queue)  # nothing left over from an earlier run
    pause = tmp_path / "paused"
    first = _start_worker(tmp_path / "worker-1.log", RELEASE_TEST_PAUSE_FILE=str(pause))
    second = None
    try:
        release_build_task.apply_async(
            (organisation.pk, survey.pk, Release.Kind.INTERIM, None, timezone.now().isoformat()), queue=queue
        )
        stage = _wait_for(lambda: pause.exists() and pause.read_text(), seconds=120)
        building_id = int(stage.split()[1])
        with organisation_scope(organisation):
            assert Release.objects.get(pk=building_id).status == Release.Status.BUILDING
            assert ResultCell.objects.filter(release_id=building_id).exists()  # written, not published

        _stop(first, signal.SIGKILL)  # mid-build: its cells are written, not yet published

        assert _current(organisation, survey) == previous
        with organisation_scope(organisation):
            assert released_measure(release=previous).state == REPORTABLE
        second = _start_worker(tmp_path / "worker-2.log")
        # acks_late + reject_on_worker_lost: Redis hands the task out again and the retry completes.
        latest = _wait_for(lambda: (r := _current(organisation, survey)) != previous and r, seconds=120)
        with organisation_scope(organisation):
            previous.refresh_from_db()
            assert previous.status == Release.Status.SUPERSEDED
            assert latest.status == Release.Status.PUBLISHED and latest.cells_published > 0
            assert not Release.objects.filter(pk=building_id).exists()  # the lost build was cleaned up
            assert not Release.objects.filter(survey=survey, status=Release.Status.BUILDING).exists()
        assert "surveys.release_build" in (tmp_path / "worker-2.log").read_text()
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)


def test_the_generator_is_deterministic_and_its_answers_correlate(world):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"Same": 60}, seed=1)
        first = make_survey(organisation=organisation, schools=schools, open_it=True, title="One")
        second = make_survey(organisation=organisation, schools=schools, open_it=True, title="Two")
        one = generate_wave(survey=first, seed=42, invitations=False)
        two = generate_wave(survey=second, seed=42, invitations=False)
        instrument = core_instrument()
        codes = {i.pk: i for i in instrument.items.select_related("domain")}
    assert [(r.school_id, r.demographics, r.answers) for r in one.respondents] == [
        (r.school_id, r.demographics, r.answers) for r in two.respondents
    ]
    # Items of one domain agree with each other, reverse-scored ones once flipped.
    workload = [i for i in codes.values() if i.domain.code == "workload"]
    rows = [[(6 - r.answers[i.pk]) if i.reverse_scored else r.answers[i.pk] for i in workload]
            for r in one.respondents if all(r.answers.get(i.pk) for i in workload)]
    correlations = np.corrcoef(np.array(rows, dtype=float), rowvar=False)
    assert correlations[~np.eye(len(workload), dtype=bool)].min() > 0.2
