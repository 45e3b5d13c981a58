"""Releases: a survey's results, built beside the current ones and published in one swap.

`release_build` runs in three transactions, so that a worker lost at any moment leaves the
results people can see untouched:

1. start: a new Release row, status "building" (a stale "building" release that a lost worker
   left behind is deleted first: it was never shown to anyone);
2. compute and write: one snapshot of the wave's answers (surveys.aggregation), disclosure
   control and statistics (release_cells), every result cell, cluster, atom count, comment,
   reliability and driver written beside the current release;
3. publish: in one transaction the new release becomes "published" and the one it replaces
   "superseded". `release_published` is sent once this has committed and, after a survey's
   final release, a task scrubs the answers' storage of ordering traces (below).

A session-level advisory lock per survey keeps two builds of one survey from interleaving; it
dies with the connection of a killed worker. The Celery task (surveys.tasks.release_build_task)
is redelivered after a lost worker (acks_late, reject_on_worker_lost) and finds a release
already published for its request instead of building it twice.

Ordering traces. Submitting writes the Response, its Answers and Comments and marks the
Invitation "responded" in one transaction: PostgreSQL stamps those row versions with the same
transaction id (xmin) and stores them in submission order, which would link a response to the
person invited. Once the final release is published, a task of its own
(surveys.tasks.storage_scrub_task -> `release_storage_scrub`) rewrites the wave's responses,
answers and comments in the order of their random ids (uuid4) and touches the survey's
invitations, in one transaction: afterwards they all carry that transaction's id and their
physical order no longer follows submission (docs/privacy.md). It is kept out of the release
itself because rewriting a million answers costs more than computing every result cell, and
nobody waits for it: the traces it removes are the ones the open survey already had.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
import uuid
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wellbeing.tenancy.context import organisation_scope
from wellbeing.tenancy.models import School, StaffMember

from .. import statistics as st
from ..aggregation import ORGANISATION, Group, redact, wave_snapshot
from ..aggregation.comments import name_words
from ..bulk import insert_rows
from ..disclosure.rules import (
    SchoolCount,
    cluster_small_schools,
    comments_shown,
    demographic_cuts_allowed,
    is_small_school,
)
from ..models import (
    Answer,
    Comment,
    DomainReliability,
    Driver,
    Invitation,
    Release,
    ReleaseAtom,
    ReleaseCluster,
    ReleaseComment,
    Response,
    ResultCell,
    Survey,
)
from ..selectors import survey_demographic_questions
from ..signals import release_published
from .copy_binary import copy_data
from .release_cells import (
    ANY_CODE,
    CellBuilder,
    CellTable,
    EarlierRelease,
    PreviousCell,
    ReleaseInputs,
    count_by_disclosure,
    cut_off_placeholders,
    protect_groups,
    small_school_placeholders,
)

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 730_401  # first key of the (namespace, survey) advisory lock
Kind = Release.Kind
Status = Release.Status
View = ResultCell.View
VISIBLE = (Status.PUBLISHED, Status.SUPERSEDED)

CELL_COLUMNS = (
    "organisation_id", "release_id", "key", "view", "school_id", "cluster_id", "demographic_1_id", "code_1",
    "demographic_2_id", "code_2", "item_id", "domain_id", "disclosure", "suppression", "respondents", "n",
    "distribution", "mean", "sd", "pct_favourable", "pct_neutral", "pct_unfavourable", "favourable_share",
    "ci_low", "ci_high", "favourable_band_low", "favourable_band_high", "change", "change_significant",
    "mean_change", "mean_change_significant", "difference", "difference_significant", "mean_difference",
    "mean_difference_significant",
)

COMMENT_COLUMNS = ("organisation_id", "release_id", "question_id", "school_id", "cluster_id", "text", "position")


class ReleaseRefused(ValidationError):
    """A release of this kind cannot be made for the survey now. Nothing was built."""


def _check_kind(survey: Survey, kind: str) -> None:
    if kind == Kind.FINAL and survey.status != Survey.Status.CLOSED:
        raise ReleaseRefused(_("Final results are released once the survey has closed."), code="not_closed")
    if kind == Kind.INTERIM and survey.status != Survey.Status.OPEN:
        raise ReleaseRefused(_("An interim release can only be made while the survey is open."), code="not_open")
    if kind not in Kind.values:
        raise ReleaseRefused(_("Unknown kind of release %(kind)r.") % {"kind": kind}, code="unknown_kind")


def release_request(*, survey: Survey, kind: str = Kind.INTERIM, requested_by=None) -> None:
    """Ask for a release to be built in the background (a lead's "interim release" button).
    The build is queued when the caller's transaction commits; raises ReleaseRefused when the
    survey is not in a state for that kind of release."""
    from ..tasks import release_build_task

    _check_kind(survey, kind)
    organisation_id, survey_id = survey.organisation_id, survey.pk
    user_id = getattr(requested_by, "pk", None)
    requested_at = timezone.now().isoformat()
    transaction.on_commit(
        lambda: release_build_task.delay(organisation_id, survey_id, kind, user_id, requested_at)
    )


def _checkpoint(stage: str, release: Release) -> None:
    """A seam between the build's transactions, where the worker-kill test pauses a build."""


@contextmanager
def _survey_lock(survey: Survey):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, survey.pk % 2**31])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, survey.pk % 2**31])
        except Exception:  # the connection is gone, and the lock with it
            logger.warning("Could not release the build lock of survey %s", survey.pk, exc_info=True)


def release_build(
    *, survey: Survey, kind: str, requested_by=None, requested_at: datetime.datetime | None = None
) -> Release:
    """Build and publish a release of `survey`'s results (module docstring), and return it.

    `kind` is "final" (the survey has closed) or "interim" (it is open); ReleaseRefused
    otherwise. Idempotent: a final release already published, or (with `requested_at`) any
    release published since that moment, is returned as it is. A build that fails is kept
    with status "failed" and its error, and the previous release stays published."""
    organisation_id = survey.organisation_id
    with _survey_lock(survey):
        started = time.perf_counter()
        with organisation_scope(organisation_id):
            survey = Survey.objects.get(pk=survey.pk)
            done = _already_published(survey, kind, requested_at)
            if done is not None:
                return done
            _check_kind(survey, kind)
            release = _start(survey, kind, requested_by)
        stages: dict[str, float] = {}
        try:
            with organisation_scope(organisation_id):
                audit_seconds = _compute_and_write(release, survey, stages)
        except Exception as error:
            _fail(release, error)
            raise
        _checkpoint("cells_written", release)
        with organisation_scope(organisation_id):
            published = _publish(release, survey, build_seconds=time.perf_counter() - started,
                                 audit_seconds=audit_seconds, stages=stages)
        stages["total"] = time.perf_counter() - started
        logger.info("Release %s of survey %s built in %s", published.pk, survey.pk,
                    ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))
        return published


def _already_published(survey: Survey, kind: str, requested_at) -> Release | None:
    published = Release.objects.filter(survey=survey, status=Status.PUBLISHED).first()
    if published is None:
        return None
    if kind == Kind.FINAL and published.kind == Kind.FINAL:
        return published
    if requested_at is not None and published.created_at >= requested_at:
        return published
    return None


def _start(survey: Survey, kind: str, requested_by) -> Release:
    # Under the survey's lock no other build is running: a "building" release is a lost one.
    for stale in Release.objects.filter(survey=survey, status=Status.BUILDING):
        logger.info("Deleting the unfinished release %s of survey %s", stale.pk, survey.pk)
        stale.delete()
    number = (Release.objects.filter(survey=survey).aggregate(last=Max("number"))["last"] or 0) + 1
    return Release.objects.create(
        organisation_id=survey.organisation_id, survey=survey, kind=kind, number=number,
        requested_by=requested_by, status=Status.BUILDING,
    )


def _fail(release: Release, error: Exception) -> None:
    try:
        with organisation_scope(release.organisation_id):
            Release.objects.filter(pk=release.pk, status=Status.BUILDING).update(
                status=Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
            )
    except Exception:
        logger.exception("Could not record the failure of release %s", release.pk)


def _earlier_releases(survey: Survey, question_codes: dict[int, str]) -> list[EarlierRelease]:
    """The survey's releases people may have seen, as the audit needs them."""
    found = []
    for release in Release.objects.filter(survey=survey, status__in=VISIBLE).order_by("number"):
        clusters = list(ReleaseCluster.objects.filter(release=release).order_by("pk"))
        index = {cluster.pk: i for i, cluster in enumerate(clusters)}
        groups = set()
        published_groups = (
            ResultCell.objects.filter(release=release, item__isnull=True, domain__isnull=True)
            .exclude(disclosure=ResultCell.Disclosure.SUPPRESSED)
            .values_list("view", "school_id", "cluster_id", "demographic_1_id", "code_1", "demographic_2_id", "code_2")
        )
        for view, school_id, cluster_id, q1, c1, q2, c2 in published_groups:
            answers = tuple((question_codes[q], c) for q, c in ((q1, c1), (q2, c2)) if q is not None)
            cluster = index[cluster_id] if view == View.CLUSTER else None
            groups.add(Group(view, school_id=school_id if view != View.CLUSTER else None, cluster=cluster,
                             answers=answers))
        profiles, answered = {}, {}
        for school_id, codes, respondents, counts in ReleaseAtom.objects.filter(release=release).values_list(
            "school_id", "codes", "respondents", "answered"
        ):
            profiles[(school_id, tuple(codes))] = respondents
            if answered is not None and counts is not None:
                answered[(school_id, tuple(codes))] = {
                    (kind, int(pk)): n for kind, pk, n in ((*m.split(":"), n) for m, n in counts.items())
                }
            else:
                answered = None  # a release built without them: pooled (surveys.disclosure.measures)
        # Item and domain cells of its published groups that it did not show.
        hidden: dict[tuple[str, int], set] = {}
        suppressed_measures = (
            ResultCell.objects.filter(release=release, disclosure=ResultCell.Disclosure.SUPPRESSED)
            .exclude(item__isnull=True, domain__isnull=True)
            .values_list("view", "school_id", "cluster_id", "demographic_1_id", "code_1", "demographic_2_id", "code_2",
                         "item_id", "domain_id")
        )
        for view, school_id, cluster_id, q1, c1, q2, c2, item_id, domain_id in suppressed_measures:
            answers = tuple((question_codes[q], c) for q, c in ((q1, c1), (q2, c2)) if q is not None)
            cluster = index[cluster_id] if view == View.CLUSTER else None
            group = Group(view, school_id=school_id if view != View.CLUSTER else None, cluster=cluster, answers=answers)
            if group in groups:
                measure = ("item", item_id) if item_id is not None else ("domain", domain_id)
                hidden.setdefault(measure, set()).add(group)
        found.append(EarlierRelease(release.pk, frozenset(groups), [c.school_ids for c in clusters], profiles,
                                    {measure: frozenset(g) for measure, g in hidden.items()}, answered))
    return found


def _previous_wave_cells(survey: Survey) -> dict[str, PreviousCell]:
    if survey.previous_wave_id is None:
        return {}
    release = Release.objects.filter(survey_id=survey.previous_wave_id, status=Status.PUBLISHED).first()
    if release is None:
        return {}
    rows = (
        ResultCell.objects.filter(release=release, disclosure=ResultCell.Disclosure.FULL)
        .exclude(item__isnull=True, domain__isnull=True)
        .values_list("key", "favourable_share", "n", "mean", "sd")
    )
    return {key: PreviousCell(share, n, mean, sd) for key, share, n, mean, sd in rows}


@contextmanager
def _stage(stages: dict[str, float], name: str):
    """Adds the seconds spent in the block to `stages[name]` (logged once the release is out)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - started


def _compute_and_write(release: Release, survey: Survey, stages: dict[str, float] | None = None) -> float:
    """Step 2 of the module docstring; returns the seconds spent in the disclosure audit."""
    stages = {} if stages is None else stages
    questions = survey_demographic_questions(survey=survey)
    question_codes = [q.code for q in questions]
    started_aggregates = time.perf_counter()
    with _stage(stages, "aggregates"), wave_snapshot(survey) as wave:
        by_school = wave.respondents_by_school()
        schools = {school.pk: school for school in School.objects.filter(pk__in=list(by_school))}
        clusters = [list(members) for members in cluster_small_schools(
            [SchoolCount(pk, schools[pk].phase, n) for pk, n in by_school.items()], k=survey.threshold
        ).clusters]
        wave.set_clusters({school: i for i, members in enumerate(clusters) for school in members})
        respondents = wave.group_respondents()
        atoms = {(school, codes): n for school, codes, n in wave.atom_counts()}
        # The audit of each item over its answerers (item non-response), on unless the
        # deployment turns it off: settings.DISCLOSURE_AUDIT_ITEM_NONRESPONSE.
        answered = wave.answered_by_profile() if settings.DISCLOSURE_AUDIT_ITEM_NONRESPONSE else None
        stages["aggregates: respondents and atoms"] = time.perf_counter() - started_aggregates
        inputs = ReleaseInputs(
            k=survey.threshold, items=wave.items, domains=wave.domains, respondents=respondents,
            item_counts=wave.item_counts(), domain_sums=wave.domain_sums(),
            previous=_previous_wave_cells(survey),
        )
        reliability = wave.reliability_sums()
        domain_ids, scores = wave.domain_score_matrix()
        comments = wave.comments()

    small = {school for school, n in by_school.items() if is_small_school(n)}
    without_cuts = {school for school, n in by_school.items() if not demographic_cuts_allowed(n)} - small
    candidates = [
        group for group in respondents
        if group.school_id not in small
        and not (group.view == View.SCHOOL_BY_GROUP and group.school_id in without_cuts)
    ]
    with _stage(stages, "disclosure control"):
        earlier = _earlier_releases(survey, {q.pk: q.code for q in questions})
        protection = protect_groups(
            k=survey.threshold, questions=question_codes, profiles=atoms, groups=candidates, clusters=clusters,
            earlier=earlier, answered=answered,
        )
    stages["audit"] = protection.audit_seconds
    stages["audit of measures"] = protection.measure_audit_seconds
    with _stage(stages, "statistics"):
        builder = CellBuilder(inputs, cluster_schools=clusters)
        cluster_of = {school: i for i, members in enumerate(clusters) for school in members}
        placeholders = small_school_placeholders(builder, sorted(small))
        for row in placeholders:
            row["cluster_index"] = cluster_of.get(row["group"].school_id)
        placeholders += cut_off_placeholders(builder, sorted(without_cuts), question_codes)
        cells = builder.table(protection.statuses, placeholders=placeholders,
                              measures_hidden=protection.measures_hidden)

    with _stage(stages, "writing"):
        cluster_rows = ReleaseCluster.objects.bulk_create(
            ReleaseCluster(
                organisation_id=release.organisation_id, release=release, school_ids=members,
                label=", ".join(schools[s].name for s in members)[:200],
            )
            for members in clusters
        )
        with _stage(stages, "writing: cells"):
            _write_cells(release, cells, [c.pk for c in cluster_rows], {q.code: q.pk for q in questions},
                         stages)
        insert_rows(
            ReleaseAtom._meta.db_table,
            ["organisation_id", "release_id", "school_id", "codes", "respondents", "answered"],
            [
                (release.organisation_id, release.pk, school, list(codes), n,
                 None if answered is None
                 else {f"{kind}:{pk}": m for (kind, pk), m in answered.get((school, codes), {}).items()})
                for (school, codes), n in atoms.items()
            ],
        )
        _write_reliability(release, wave.domains, reliability)
        _write_drivers(release, wave.domains, domain_ids, scores)
        _write_comments(release, comments, by_school, small, cluster_of, respondents, [c.pk for c in cluster_rows])
    counted = count_by_disclosure(cells)
    release.respondents = respondents.get(ORGANISATION, 0)
    release.cells_published = counted["published"]
    release.cells_banded = counted["banded"]
    release.cells_primary_suppressed = counted["primary"]
    release.cells_complementary_suppressed = counted["complementary"]
    release.audit_seconds = protection.audit_seconds
    release.save(update_fields=[
        "respondents", "cells_published", "cells_banded", "cells_primary_suppressed",
        "cells_complementary_suppressed", "audit_seconds",
    ])
    _check_foreign_keys(stages, "writing: foreign keys")
    return protection.audit_seconds


def _check_foreign_keys(stages: dict[str, float], name: str) -> None:
    """Run the deferred foreign-key checks of the rows written so far now rather than at commit
    (the same checks, in the same transaction), so that the build's log shows what they cost."""
    with _stage(stages, name), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _write_cells(release: Release, cells: CellTable, cluster_pks: list[int], question_ids: dict[str, int],
                 stages: dict[str, float] | None = None) -> None:
    """Write the release's cells with two COPYs (binary format) into staging tables and one
    INSERT ... SELECT into ResultCell (which row-level security checks like any insert; COPY
    into a table with a policy is refused). The data is made column by column with numpy
    (surveys.services.copy_binary): the columns that follow from the group go into a table of
    the groups (a few thousand rows), joined to the cells by the group's index; the release's
    ids are parameters; a column that is NULL in every cell (no previous wave: no change) is
    not sent."""

    def demographic(answers, i):
        if len(answers) <= i:
            return None, ""
        question, code = answers[i]
        return question_ids[question], "" if code == ANY_CODE else code

    stages = {} if stages is None else stages
    started = time.perf_counter()
    places = []
    for group, cluster in zip(cells.groups, cells.cluster_index, strict=True):
        q1, c1 = demographic(group.answers, 0)
        q2, c2 = demographic(group.answers, 1)
        places.append((str(group.view), group.school_id, None if cluster is None else cluster_pks[cluster], q1, c1, q2, c2))
    place_kinds = {"view": "text", "school_id": "int", "cluster_id": "int", "demographic_1_id": "int",
                   "code_1": "text", "demographic_2_id": "int", "code_2": "text"}
    by_group = list(zip(*places, strict=True)) if places else [()] * len(place_kinds)
    group_data, group_types = copy_data(
        [("int", list(range(len(places)))), *zip(place_kinds.values(), by_group, strict=True)]
    )
    kinds = {name: "text" if kind == "json" else kind for name, kind in _TABLE_COLUMN_KINDS}
    values = {name: cells.columns[name] for name in kinds}
    values["distribution"] = _json_column(values["distribution"])
    sent = [name for name in kinds if not _all_none(values[name])]
    data, types = copy_data([("int", cells.row_group.tolist()), *((kinds[name], values[name]) for name in sent)])
    stages["writing: cells as binary"] = time.perf_counter() - started
    table = ResultCell._meta.db_table
    staging = f"staging_cell_{uuid.uuid4().hex[:12]}"
    json_columns = {name for name, kind in _TABLE_COLUMN_KINDS if kind == "json"}
    with connection.cursor() as cursor:
        # ResultCell's release is a plain id (no foreign-key check per cell): the release row is
        # locked once instead, so that it cannot be deleted under cells that are being written.
        cursor.execute(f"SELECT 1 FROM {Release._meta.db_table} WHERE id = %s FOR KEY SHARE", [release.pk])
        if cursor.fetchone() is None:
            raise RuntimeError(f"release {release.pk} was deleted while it was being built")
        if not len(cells):
            return
        for name, columns, column_types, content in (
            (f"{staging}_group", ["g", *place_kinds], group_types, group_data),
            (staging, ["g", *sent], types, data),
        ):
            cursor.execute(
                f"CREATE TEMPORARY TABLE {name} ("
                + ", ".join(f"{column} {sql_type}" for column, sql_type in zip(columns, column_types, strict=True))
                + ") ON COMMIT DROP"
            )
            with _stage(stages, "writing: cells, COPY"), cursor.copy(
                f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
            ) as copy:
                for start in range(0, len(content), 1 << 22):
                    copy.write(content[start : start + (1 << 22)])
        written = [name for name in CELL_COLUMNS[2:] if name in place_kinds or name in sent]
        selected = ", ".join(
            f"g.{name}" if name in place_kinds else f"c.{name}::jsonb" if name in json_columns else f"c.{name}"
            for name in written
        )
        with _stage(stages, "writing: cells, INSERT"):
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, release_id, {', '.join(written)}) "
                f"SELECT %s, %s, {selected} FROM {staging} c JOIN {staging}_group g ON g.g = c.g",
                [release.organisation_id, release.pk],
            )
        cursor.execute(f"DROP TABLE {staging}, {staging}_group")


_TABLE_COLUMN_KINDS = (
    ("key", "text"), ("item_id", "int"), ("domain_id", "int"), ("disclosure", "text"), ("suppression", "text"),
    ("respondents", "int"), ("n", "int"), ("distribution", "json"), ("mean", "float"), ("sd", "float"),
    ("pct_favourable", "int"), ("pct_neutral", "int"), ("pct_unfavourable", "int"), ("favourable_share", "float"),
    ("ci_low", "float"), ("ci_high", "float"), ("favourable_band_low", "int"), ("favourable_band_high", "int"),
    ("change", "float"), ("change_significant", "bool"), ("mean_change", "float"),
    ("mean_change_significant", "bool"), ("difference", "float"), ("difference_significant", "bool"),
    ("mean_difference", "float"), ("mean_difference_significant", "bool"),
)


def _all_none(values) -> bool:
    if isinstance(values, np.ndarray):
        return bool(np.equal(values, None).all())
    return values.count(None) == len(values)


def _json_column(values: list) -> list:
    """A JSON column's values as JSON text (None stays None): a distribution {"1": n1, ...,
    "5": n5} of ints by one format string, anything else by json.dumps."""
    return [
        None if v is None else f'{{"1": {v["1"]}, "2": {v["2"]}, "3": {v["3"]}, "4": {v["4"]}, "5": {v["5"]}}}'
        if len(v) == 5 and all(type(c) is int for c in v.values()) else json.dumps(v)
        for v in values
    ]


def _write_reliability(release: Release, domains, reliability) -> None:
    rows = []
    for domain in domains:
        if len(domain.item_ids) < 2:
            continue
        sums = reliability.get(domain.id)
        alpha = None
        n = sums.n if sums else 0
        if n >= st.MIN_TEST_GROUP:
            alpha = st.cronbach_alpha(
                [st.variance_from_sums(n, s, ss) for s, ss in sums.items], st.variance_from_sums(n, *sums.total)
            )
        rows.append(DomainReliability(
            organisation_id=release.organisation_id, release=release, domain_id=domain.id, alpha=alpha, n=n,
            flagged=alpha is not None and alpha < st.ALPHA_FLAG,
        ))
    DomainReliability.objects.bulk_create(rows)


def _write_drivers(release: Release, domains, domain_ids: list[int], scores) -> None:
    """Johnson's relative weights of the non-outcome domains for each outcome domain, over the
    respondents with a score in all of them (more than 25 of them)."""
    import numpy as np

    column = {domain_id: i for i, domain_id in enumerate(domain_ids)}
    predictors = [d.id for d in domains if not d.is_outcome]
    rows = []
    for outcome in (d for d in domains if d.is_outcome):
        if not predictors:
            break
        matrix = scores[:, [column[p] for p in predictors] + [column[outcome.id]]]
        complete = matrix[np.isfinite(matrix).all(axis=1)]
        if complete.shape[0] < st.MIN_DRIVER_GROUP:
            continue
        try:
            weights = st.relative_weights(complete[:, :-1], complete[:, -1])
        except (ValueError, np.linalg.LinAlgError):
            logger.info("No driver analysis for domain %s of release %s: no variance", outcome.id, release.pk)
            continue
        rows += [
            Driver(organisation_id=release.organisation_id, release=release, outcome_id=outcome.id,
                   domain_id=predictor, importance=share, n=complete.shape[0])
            for predictor, share in zip(predictors, weights.shares, strict=True)
        ]
    Driver.objects.bulk_create(rows)


def _write_comments(release, comments, by_school, small, cluster_of, respondents, cluster_pks) -> None:
    """Comments of a wave of at least 10 respondents, redacted, in a random order; a comment
    names its school (or cluster of small schools) only where that has 10 respondents or more."""
    if not comments or not comments_shown(respondents=respondents.get(ORGANISATION, 0), demographic_group=False):
        return
    names = name_words(StaffMember.objects.values_list("name", flat=True))
    shuffled = list(comments)
    random.SystemRandom().shuffle(shuffled)
    rows = []
    for position, (school_id, question_id, text) in enumerate(shuffled):
        shown = comments_shown(respondents=by_school.get(school_id, 0), demographic_group=False)
        school = school_id if school_id not in small and shown else None
        cluster = cluster_of.get(school_id)
        if cluster is not None and not comments_shown(
            respondents=respondents.get(Group(View.CLUSTER, cluster=cluster), 0), demographic_group=False
        ):
            cluster = None
        rows.append((
            release.organisation_id, release.pk, question_id, school,
            None if cluster is None else cluster_pks[cluster], redact(text, names=names), position,
        ))
    insert_rows(ReleaseComment._meta.db_table, COMMENT_COLUMNS, rows)


def _publish(release: Release, survey: Survey, *, build_seconds: float, audit_seconds: float,
             stages: dict[str, float] | None = None) -> Release:
    """Step 3: the swap, in one transaction."""
    list(Release.objects.select_for_update().filter(survey=survey).values_list("pk", flat=True))
    release = Release.objects.get(pk=release.pk)
    if release.status != Status.BUILDING:
        raise RuntimeError(f"release {release.pk} is {release.status}, not building")
    Release.objects.filter(survey=survey, status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
    release.status = Status.PUBLISHED
    release.published_on = timezone.localdate(timezone=ZoneInfo(survey.time_zone))
    release.build_seconds = build_seconds
    release.audit_seconds = audit_seconds
    release.save(update_fields=["status", "published_on", "build_seconds", "audit_seconds"])
    release_id, organisation_id, survey_id = release.pk, release.organisation_id, survey.pk
    transaction.on_commit(lambda: _announce(release_id, organisation_id))
    if release.kind == Kind.FINAL:
        transaction.on_commit(lambda: _queue_storage_scrub(organisation_id, survey_id))
    return release


def _queue_storage_scrub(organisation_id: int, survey_id: int) -> None:
    from ..tasks import storage_scrub_task

    storage_scrub_task.delay(organisation_id, survey_id)


def release_storage_scrub(*, survey: Survey) -> None:
    """Rewrite a closed wave's stored answers so that nothing in their storage links them to the
    invitations (module docstring, "Ordering traces"). Queued once the final release is
    published; it touches no result, so the release is visible while it runs, and running it
    again (a redelivered task) is harmless."""
    if survey.status != Survey.Status.CLOSED:
        raise ValidationError(_("Answers are rewritten only once the survey has closed."))
    stages: dict[str, float] = {}
    with transaction.atomic():
        with _stage(stages, "scrub"):
            _scrub_ordering(survey)
        _check_foreign_keys(stages, "scrub: foreign keys")
    logger.info("Storage scrub of survey %s: %s", survey.pk, {k: round(v, 2) for k, v in stages.items()})


def _announce(release_id: int, organisation_id: int) -> None:
    for receiver, outcome in release_published.send_robust(
        sender=Release, release_id=release_id, organisation_id=organisation_id
    ):
        if isinstance(outcome, Exception):
            logger.error("A receiver of release_published failed: %r", receiver, exc_info=outcome)


def _scrub_ordering(survey: Survey) -> None:
    """Rewrite the wave's responses, answers and comments in the order of their random ids and
    touch its invitations (module docstring), in the publishing transaction."""
    organisation_id, survey_id = survey.organisation_id, survey.pk
    responses, answers, comments = Response._meta.db_table, Answer._meta.db_table, Comment._meta.db_table
    with connection.cursor() as cursor:
        # The whole wave is rewritten: hash joins, whatever the statistics say (see
        # surveys.aggregation.wave: stale ones make the planner join row by row).
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            f"CREATE TEMPORARY TABLE scrub_response ON COMMIT DROP AS "
            f"SELECT * FROM {responses} WHERE organisation_id = %s AND survey_id = %s",
            [organisation_id, survey_id],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE scrub_answer ON COMMIT DROP AS "
            f"SELECT a.* FROM {answers} a JOIN scrub_response r ON r.id = a.response_id WHERE a.organisation_id = %s",
            [organisation_id],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE scrub_comment ON COMMIT DROP AS "
            f"SELECT * FROM {comments} WHERE organisation_id = %s AND survey_id = %s",
            [organisation_id, survey_id],
        )
        cursor.execute(f"DELETE FROM {answers} a USING scrub_response r WHERE a.response_id = r.id")
        cursor.execute(f"DELETE FROM {responses} WHERE organisation_id = %s AND survey_id = %s",
                       [organisation_id, survey_id])
        cursor.execute(f"DELETE FROM {comments} WHERE organisation_id = %s AND survey_id = %s",
                       [organisation_id, survey_id])
        # In the order of their random ids (uuid4): a physical order that follows from what the
        # rows already say carries nothing more, and inserting in key order keeps the index
        # updates and the foreign-key checks of a million answers local.
        cursor.execute(f"INSERT INTO {responses} SELECT * FROM scrub_response ORDER BY id")
        cursor.execute(f"INSERT INTO {answers} SELECT * FROM scrub_answer ORDER BY response_id, item_id")
        cursor.execute(f"INSERT INTO {comments} SELECT * FROM scrub_comment ORDER BY id")
        cursor.execute(
            f"UPDATE {Invitation._meta.db_table} SET status = status WHERE organisation_id = %s AND survey_id = %s",
            [organisation_id, survey_id],
        )
        cursor.execute("DROP TABLE scrub_response, scrub_answer, scrub_comment")
        cursor.execute("SET LOCAL enable_nestloop = DEFAULT")
