"""A full release of a large trust's survey (issue 4), next to DuckDB computing the same cuts.

    make bench-release                 # 20,000 respondents x 50 items, 200 schools, 3 runs
    BENCH_RESPONDENTS=2000 make bench-release   # a smaller smoke run
    BENCH_REUSE=1 make bench-release   # keep the database of the last run (skips the ~2 min load)

The data: an organisation of 200 schools (a few of them small enough to be clustered) whose
roster gives about 20,000 respondents at the generator's response rates, a 50-item instrument
(the core instrument's 48 items and two more), three demographic questions (job category,
contract, age band), answers from surveys.generator (correlated, with reverse-scored items, "not
applicable", skipped items and demographic questions) bulk-loaded with surveys.bulk. The survey
is closed, so each release is a final one.

Measured, N times (median and spread): `release_build` of the final release, end to end, as the
Celery task runs it — the wave's aggregates in SQL, disclosure control (primary and
complementary suppression with the rank audit), statistics of every cell, writing the cells,
atoms, reliability, drivers and comments, and publishing. (The scrub of ordering traces that
a final release queues runs afterwards as a task of its own and is not part of the release.)
Between runs the release is deleted (not timed), so every run builds the same release from
scratch. The stages of the last run are printed from the builder's own timings ("writing: cells
as binary" is the making of the cells' binary COPY data, formerly "cells as text").

Baseline, in the same run: DuckDB (in process, 2 threads) computing the same cuts from the same
answers, exported once to Parquet (not timed): respondents per group, per group and item the
counts of each value and of "not applicable", each person's domain scores and per group and
domain their count, sum and sum of squares, and the atoms (respondents per profile), fetched into
Python. It does no disclosure control, no statistics and writes nothing: the ratio says what
those, and PostgreSQL, cost.

The benchmark uses its own database (staffwell_bench_release) on the project's server.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "20000"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "200"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
REUSE = os.environ.get("BENCH_REUSE") == "1"
RESPONSE_RATE = 0.75
DEMOGRAPHICS = ("job_category", "contract", "age_band")
DBNAME = "staffwell_bench_release"
TARGET_SECONDS = 10.0


def bench_database_url(dbname: str = DBNAME) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, ""))


def database_exists(url: str) -> bool:
    import psycopg

    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is not None


def prepare_database(url: str) -> None:
    """A fresh benchmark database, migrated by the owner role."""
    import psycopg
    from psycopg import sql

    from wellbeing import embedded

    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    embedded.provision(url, owner_role=None, dbname=dbname)
    owner = urlsplit(url).username
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), sql.Identifier(owner)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--database", "owner", "-v", "0"],
        cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url},
    )


def school_sizes(total: int, schools: int, seed: int = 20) -> list[int]:
    """Roster sizes of `schools` schools adding up to `total`: mostly 40-250 staff, a few of
    4-9 (clustered as small schools) and a few of 10-19 (no demographic cuts)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tiny = max(schools // 25, 0)
    modest = max(schools // 40, 0)
    sizes = [int(s) for s in rng.integers(5, 12, tiny)] + [int(s) for s in rng.integers(14, 26, modest)]
    rest = schools - len(sizes)
    weights = rng.lognormal(0, 0.45, rest)
    left = total - sum(sizes)
    sizes += [max(20, int(round(w))) for w in weights / weights.sum() * left]
    return sizes


def instrument_with_50_items(organisation):
    """The core instrument with two more items (50), imported and published by the organisation."""
    from surveys.services import instrument_load_builtin
    from surveys.services.instruments import instrument_import, instrument_publish

    instrument_load_builtin()
    definition = json.loads((ROOT / "surveys" / "instruments" / "staffwell_core.json").read_text())
    extra = [
        ("recognition", "My efforts are noticed by the people I work with.", False),
        ("workload", "I take work home most evenings.", True),
    ]
    number = max(item["number"] for item in definition["items"])
    for i, (domain, text, reverse) in enumerate(extra, start=1):
        definition["items"].append({
            "number": number + i, "code": f"bench-{i}", "domain": domain, "text": {"en": text},
            "scale": "agreement", "reverse_scored": reverse, "allows_not_applicable": False,
        })
    definition["code"] = "bench-50"
    definition["languages"] = ["en"]
    instrument = instrument_import(organisation=organisation, data=definition, format="json")
    return instrument_publish(organisation=organisation, instrument=instrument)


def seed(*, slug: str = "bench-release", respondents: int = RESPONDENTS, schools: int = SCHOOLS) -> tuple[int, int]:
    """The organisation, roster, closed survey and generated answers (about `respondents` in
    `schools` schools). Returns (organisation id, survey id)."""
    import random

    from django.utils import timezone

    from surveys import services
    from surveys.generator import WaveProfile, generate_wave
    from surveys.models import DemographicQuestion, Survey
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Organisation, School, StaffMember

    jobs = ["teacher"] * 5 + ["teaching_assistant"] * 3 + ["support", "leader", "administration"]
    rng = random.Random(5)
    organisation = Organisation.objects.create(name=f"Trust {slug}", slug=slug)
    roster_size = int(respondents / RESPONSE_RATE)
    with organisation_scope(organisation):
        instrument = instrument_with_50_items(organisation)
        schools = School.objects.bulk_create(
            School(organisation=organisation, name=f"School {i + 1:03d}", phase=School.Phase.PRIMARY, staff_count=size)
            for i, size in enumerate(school_sizes(roster_size, schools))
        )
        people = [
            StaffMember(
                organisation=organisation, school=school, email=f"{school.pk}-{i}@bench.example.org",
                name=f"{rng.choice(['Ann', 'Ben', 'Cara', 'Dev'])} Person{i}", job_category=rng.choice(jobs),
                contract=rng.choice(["full_time", "full_time", "part_time"]), fte=1,
                start_year=rng.randint(1995, 2025),
            )
            for school in schools for i in range(school.staff_count)
        ]
        StaffMember.objects.bulk_create(people, batch_size=5000)
        opens = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
        survey = services.survey_create(
            organisation=organisation, instrument=instrument, title="Bench survey", schools=schools,
            opens_at=opens, closes_at=opens + datetime.timedelta(days=21),
            demographic_questions=[
                DemographicQuestion.objects.get(organisation__isnull=True, code=c) for c in DEMOGRAPHICS
            ],
        )
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
        survey.refresh_from_db()
        generate_wave(survey=survey, seed=2026, profile=WaveProfile(response_rate=RESPONSE_RATE))
        survey = services.survey_close(survey=survey)
    return organisation.pk, survey.pk


def existing(slug: str = "bench-release") -> tuple[int, int]:
    from surveys.models import Survey
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Organisation

    organisation = Organisation.objects.get(slug=slug)
    with organisation_scope(organisation):
        return organisation.pk, Survey.objects.get(title="Bench survey").pk


def owner_execute(sql: str, params=()) -> list[tuple]:
    """As the tables' owner, across organisations (row-level security is forced on owners too)."""
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', false)")
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the forked audit processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def delete_releases(organisation_id: int, survey_id: int) -> None:
    from django.db import transaction

    from surveys.models import Release
    from wellbeing.tenancy.context import organisation_scope

    with organisation_scope(organisation_id), transaction.atomic():
        Release.objects.filter(survey_id=survey_id).delete()


def export_parquet(organisation_id: int, survey_id: int, directory: Path) -> dict[str, int]:
    """The wave's respondents, answers and items as Parquet files (owner connection; not timed)."""
    import duckdb

    from surveys.models import PREFER_NOT_TO_SAY, DemographicQuestion, Survey
    from wellbeing.tenancy.context import organisation_scope

    with organisation_scope(organisation_id):
        survey = Survey.objects.get(pk=survey_id)
        questions = list(DemographicQuestion.objects.filter(organisation__isnull=True, code__in=DEMOGRAPHICS))
    questions.sort(key=lambda q: DEMOGRAPHICS.index(q.code))
    codes = ", ".join(
        f"CASE WHEN demographics ->> '{q.code}' = ANY(ARRAY{[o for o in q.option_codes if o != PREFER_NOT_TO_SAY]!r}) "
        f"THEN demographics ->> '{q.code}' END AS d{i}"
        for i, q in enumerate(questions)
    )
    queries = {
        "respondents": f"SELECT id::text AS response_id, school_id, {codes} FROM surveys_response "
                       f"WHERE organisation_id = {organisation_id} AND survey_id = {survey_id}",
        "answers": f"SELECT a.response_id::text AS response_id, a.item_id, a.value, a.not_applicable "
                   f"FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
                   f"WHERE r.organisation_id = {organisation_id} AND r.survey_id = {survey_id}",
        "items": f"SELECT i.id AS item_id, i.domain_id, i.reverse_scored AS reverse FROM surveys_item i "
                 f"WHERE i.instrument_id = {survey.instrument_id}",
    }
    from django.db import connections

    owner_execute("SELECT 1")  # sets app.platform on the owner's connection
    counts = {}
    for name, query in queries.items():
        csv_path = directory / f"{name}.csv"
        with connections["owner"].cursor() as cursor, csv_path.open("wb") as out:
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
                for block in copy:
                    out.write(block)
        duckdb.sql(f"COPY (SELECT * FROM read_csv_auto('{csv_path}')) TO '{directory / name}.parquet' (FORMAT parquet)")
        counts[name] = duckdb.sql(f"SELECT count(*) FROM '{directory / name}.parquet'").fetchall()[0][0]
        csv_path.unlink()
    return counts


def duckdb_cuts(directory: Path) -> dict[str, int]:
    """The same cuts as surveys.aggregation, in DuckDB; returns how many rows each produced."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    r, a, i = (f"'{directory / n}.parquet'" for n in ("respondents", "answers", "items"))
    con.execute(f"""
        CREATE TEMP TABLE w AS
        SELECT r.*, CASE WHEN s.n < 10 THEN 0 END AS cluster
        FROM {r} r JOIN (SELECT school_id, count(*) AS n FROM {r} GROUP BY school_id) s USING (school_id)
    """)
    con.execute(f"""
        CREATE TEMP TABLE av AS
        SELECT a.response_id, a.item_id, i.domain_id,
               CASE WHEN a.not_applicable THEN NULL WHEN i.reverse THEN 6 - a.value ELSE a.value END AS v
        FROM {a} a JOIN {i} i USING (item_id)
    """)
    con.execute(f"""
        CREATE TEMP TABLE scores AS
        SELECT av.response_id, av.domain_id, avg(v) AS score, count(*) AS answered,
               2 * count(*) >= d.items AS kept, count(*) = d.items AS complete
        FROM av JOIN (SELECT domain_id, count(*) AS items FROM {i} GROUP BY domain_id) d USING (domain_id)
        WHERE v IS NOT NULL
        GROUP BY av.response_id, av.domain_id, d.items
    """)
    sets = "GROUPING SETS ((), (school_id), (cluster), (school_id, d0), (school_id, d1), (school_id, d2), " \
           "(d0), (d1), (d2), (d0, d1), (d0, d2), (d1, d2))"
    having = "(cluster IS NOT NULL OR GROUPING(cluster) = 1) AND (d0 IS NOT NULL OR GROUPING(d0) = 1) " \
             "AND (d1 IS NOT NULL OR GROUPING(d1) = 1) AND (d2 IS NOT NULL OR GROUPING(d2) = 1)"
    found = {}
    found["respondents"] = len(con.execute(
        f"SELECT GROUPING(school_id, cluster, d0, d1, d2), school_id, cluster, d0, d1, d2, count(*) "
        f"FROM w GROUP BY {sets} HAVING {having}"
    ).fetchall())
    found["atoms"] = len(con.execute("SELECT school_id, d0, d1, d2, count(*) FROM w GROUP BY ALL").fetchall())
    found["item cells"] = len(con.execute(f"""
        SELECT GROUPING(school_id, cluster, d0, d1, d2), school_id, cluster, d0, d1, d2, item_id,
               count(*) FILTER (WHERE v = 1), count(*) FILTER (WHERE v = 2), count(*) FILTER (WHERE v = 3),
               count(*) FILTER (WHERE v = 4), count(*) FILTER (WHERE v = 5), count(*) FILTER (WHERE v IS NULL)
        FROM av JOIN w USING (response_id)
        GROUP BY item_id, {sets} HAVING {having}
    """).fetchall())
    found["domain cells"] = len(con.execute(f"""
        SELECT GROUPING(school_id, cluster, d0, d1, d2), school_id, cluster, d0, d1, d2, domain_id,
               count(*), sum(score), sum(score * score)
        FROM scores JOIN w USING (response_id) WHERE kept
        GROUP BY domain_id, {sets} HAVING {having}
    """).fetchall())
    con.close()
    return found


def stage_logger() -> list[str]:
    """Collects the release builder's own timings (surveys.services.releases logs them)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("surveys.services.releases")
    logger.setLevel(logging.INFO)
    logger.addHandler(Collect())
    return lines


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    url = bench_database_url()
    if REUSE and database_exists(url):
        print(f"Reusing the database {DBNAME}.", flush=True)
        fresh = False
    else:
        print(f"Preparing a fresh benchmark database ({DBNAME})...", flush=True)
        prepare_database(url)
        fresh = True
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wellbeing.settings.base")
    import django

    django.setup()
    import duckdb
    import numpy as np
    from django.conf import settings  # noqa: F401
    from django.db import connection

    from surveys.models import Release, ResultCell
    from surveys.services.releases import release_build
    from wellbeing.tenancy.context import organisation_scope

    if fresh:
        print(f"Generating about {RESPONDENTS:,} respondents x 50 items in {SCHOOLS} schools (not timed)...",
              flush=True)
        started = time.perf_counter()
        organisation_id, survey_id = seed()
        print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
        owner_execute("VACUUM ANALYZE surveys_response")
        owner_execute("VACUUM ANALYZE surveys_answer")
    else:
        organisation_id, survey_id = existing()
    respondents, answers = owner_execute(
        "SELECT count(DISTINCT r.id), count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
        "WHERE r.survey_id = %s", [survey_id],
    )[0]
    print(f"  {respondents:,} respondents, {answers:,} answers", flush=True)

    stages = stage_logger()
    release_times: list[float] = []
    cpu_times: list[float] = []
    forked_cpu_times: list[float] = []  # the per-item audits' forked processes (surveys.disclosure.forked)
    release = None
    for run in range(RUNS):
        delete_releases(organisation_id, survey_id)
        connection.close()
        started, cpu, forked = time.perf_counter(), time.process_time(), children_cpu()
        with organisation_scope(organisation_id):
            from surveys.models import Survey

            survey = Survey.objects.get(pk=survey_id)
        release = release_build(survey=survey, kind=Release.Kind.FINAL)
        release_times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
        forked_cpu_times.append(children_cpu() - forked)
        print(f"  release run {run + 1}: {release_times[-1]:.2f} s ({cpu_times[-1]:.2f} s of Python CPU, "
              f"{forked_cpu_times[-1]:.2f} s in forked audit processes; "
              f"load average {os.getloadavg()[0]:.1f})", flush=True)
    with organisation_scope(organisation_id):
        release = Release.objects.get(pk=release.pk)
        cells = ResultCell.objects.filter(release=release).count()

    duck_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        directory = Path(tmp)
        print("Exporting the answers to Parquet for DuckDB (not timed)...", flush=True)
        exported = export_parquet(organisation_id, survey_id, directory)
        for run in range(RUNS):
            started = time.perf_counter()
            duck_rows = duckdb_cuts(directory)
            duck_times.append(time.perf_counter() - started)
            print(f"  DuckDB run {run + 1}: {duck_times[-1]:.2f} s", flush=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True, cwd=ROOT, check=False).stdout.strip()
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    load = os.getloadavg()[0]

    ours, base = statistics.median(release_times), statistics.median(duck_times)
    print()
    print(f"Release benchmark — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}"
          f"{' (with uncommitted changes)' if dirty else ''}")
    print(f"{os.cpu_count()} cores, {int(memory) // 1024 ** 2} GB, load average {load:.1f}; PostgreSQL {pg_version}, "
          f"Python {platform.python_version()}, numpy {np.__version__}, DuckDB {duckdb.__version__}")
    print(f"{respondents:,} respondents x 50 items ({answers:,} answers), {SCHOOLS} schools, "
          f"3 demographic questions; median of {RUNS} runs")
    print("Command: make bench-release")
    print()
    print(table([
        ["release, audit included (s)", f"{ours:.2f}", f"{min(release_times):.2f}–{max(release_times):.2f}",
         f"DuckDB: {base:.2f} ({min(duck_times):.2f}–{max(duck_times):.2f})", f"{ours / base:.1f}",
         f"< {TARGET_SECONDS:.0f} s {'✓' if ours < TARGET_SECONDS else '✗'}"],
    ], ["measure", "median", "spread", "baseline (same run)", "ratio", "target"]))
    print()
    print(f"Release: {cells:,} cells ({release.cells_published:,} published, {release.cells_banded:,} banded, "
          f"{release.cells_primary_suppressed:,} suppressed (primary), "
          f"{release.cells_complementary_suppressed:,} suppressed (complementary)); "
          f"audit {release.audit_seconds:.2f} s in the last run.")
    print(f"DuckDB: {', '.join(f'{v:,} {k}' for k, v in duck_rows.items())} "
          f"(from {exported['answers']:,} answers of {exported['respondents']:,} respondents).")
    print(f"Python CPU time of the release process (the rest is PostgreSQL and waiting): median "
          f"{statistics.median(cpu_times):.2f} s, and {statistics.median(forked_cpu_times):.2f} s in the "
          f"processes it forked for the per-item audits.")
    if stages:
        print("Stages of the last run (the builder's log):")
        for line in stages[-1:]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
