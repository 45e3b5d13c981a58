"""Board report rendering (issue 7): the trustee report of a 200-school organisation.

    make bench-report
    BENCH_RUNS=1 BENCH_WAVES=1 make bench-report   # a quick smoke run
    BENCH_REUSE=1 make bench-report                # keep the last run's organisation (no seeding)

The organisation: 200 schools (ten of them with fewer than ten staff, so clusters of small
schools appear), about 16,000 staff answering two waves of the core survey (surveys/generator.py,
written with surveys/bulk.py), each wave's final release built by the release service; an
objective per school, a plan of four actions per school, the charter with a signed-off
self-assessment of every school, and twenty decided workload impact assessments.

Measured, each run in a fresh Python process (so peak memory is that process's own high-water
mark from a cold start, what a reports worker's fresh child reaches):
* ours: the whole job a reports worker does — compose the report from the release and the plan
  and charter data, render the HTML with the SVG charts, WeasyPrint to a tagged PDF (PDF/UA-1),
  store it — `wellbeing.reports.services.report_render`;
* baseline: WeasyPrint alone rendering the same saved HTML to the same kind of PDF.
The ratio says what composing and rendering the HTML add to WeasyPrint's own work.
Targets: under 30 s, ratio under 1.3, peak memory under 1.5 GB. Each run also prints both
processes' CPU seconds, steadier than wall time on a shared machine.

Uses its own database (staffwell_bench_report) on the project's server and drops nothing else.
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
WAVES = int(os.environ.get("BENCH_WAVES", "2"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "200"))
REUSE = os.environ.get("BENCH_REUSE") == "1"
SMALL_SCHOOLS = 10
DATABASE = "staffwell_bench_report"
TARGET_SECONDS, TARGET_RATIO, TARGET_MB = 30.0, 1.3, 1536.0


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{DATABASE}", parts.query, ""))


def prepare_database(url: str) -> None:
    """A fresh benchmark database, migrated by the owner role."""
    import psycopg
    from psycopg import sql

    from wellbeing import embedded

    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
    embedded.provision(url, owner_role=None, dbname=DATABASE)
    owner = urlsplit(url).username
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(DATABASE), sql.Identifier(owner)))
    subprocess.run([sys.executable, "manage.py", "migrate", "--database", "owner", "-v", "0"],
                   cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url})


def seed() -> int:
    """The organisation described in the module docstring; returns its id."""
    from django.utils import timezone

    from actionplans import services as plan_services
    from actionplans.models import Action, ActionPlan, Objective, WorkloadAssessment, WorkloadImpact
    from charters.models import Commitment, Rating, Review
    from surveys.generator import WaveProfile, generate_wave
    from surveys.models import DemographicQuestion, Release, Survey
    from surveys.services import instrument_load_builtin, survey_create
    from surveys.services.releases import release_build
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Organisation, School, StaffMember

    rng = random.Random(2027)
    instrument = next(i for i in instrument_load_builtin() if i.code == "staffwell-core")
    organisation = Organisation.objects.create(name="Bench Trust of 200 Schools", slug="bench-200")
    jobs = ["teacher"] * 5 + ["teaching_assistant"] * 3 + ["support", "leader", "administration"]
    with organisation_scope(organisation):
        sizes = [rng.randint(6, 9) if i < SMALL_SCHOOLS else rng.randint(30, 140) for i in range(SCHOOLS)]
        schools = School.objects.bulk_create(
            School(organisation=organisation, name=f"Bench School {i + 1:03d}", phase="primary", staff_count=n)
            for i, n in enumerate(sizes))
        StaffMember.objects.bulk_create((
            StaffMember(organisation=organisation, school=school, email=f"{school.pk}-{j}@bench.example.org",
                        name=f"Person {school.pk}-{j}", job_category=rng.choice(jobs),
                        contract=rng.choice(["full_time", "full_time", "part_time"]), fte=1,
                        start_year=rng.randint(1995, 2025))
            for school, n in zip(schools, sizes, strict=True) for j in range(n)), batch_size=5000)
        print(f"  {SCHOOLS} schools, {sum(sizes)} staff", flush=True)

        previous = None
        for wave in range(WAVES):
            opens = timezone.make_aware(datetime.datetime(2025 + wave, 3, 2, 8, 0))
            survey = survey_create(
                organisation=organisation, instrument=instrument, title=f"Staff survey {2025 + wave}",
                schools=schools, opens_at=opens, closes_at=opens + datetime.timedelta(days=21),
                demographic_questions=[DemographicQuestion.objects.get(organisation__isnull=True, code=c)
                                       for c in ("job_category", "contract", "length_of_service")],
                previous_wave=previous,
            )
            Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
            survey.refresh_from_db()
            generate_wave(survey=survey, seed=100 + wave, profile=WaveProfile(response_rate=0.75))
            Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
            survey.refresh_from_db()
            started = time.perf_counter()
            release = release_build(survey=survey, kind=Release.Kind.FINAL)
            print(f"  wave {wave + 1}: {release.respondents} respondents, release built in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            previous = survey

        today = timezone.localdate()
        for i, school in enumerate(schools):
            plan_services.objective_create(
                organisation=organisation, created_by=None, school=school, title=f"Lower absence at school {i + 1}",
                metric_kind=Objective.MetricKind.MANUAL, series=Objective.Series.ABSENCE,
                baseline_value=Decimal(8), baseline_date=today - datetime.timedelta(days=60), baseline_source="HR",
                target_value=Decimal(6), target_date=today + datetime.timedelta(days=240), today=today,
            )
        plans = ActionPlan.objects.bulk_create(ActionPlan(organisation=organisation, school=s, year="2026/27")
                                               for s in schools)
        levels, areas = list(Action.Level.values), _areas()
        Action.objects.bulk_create(
            Action(organisation=organisation, plan=plan, title=f"Action {j + 1}", level=levels[j % 3],
                   area=areas[j % len(areas)],
                   due_date=today + datetime.timedelta(days=30 * (j - 1)),
                   status=rng.choice(list(Action.Status.values)))
            for plan in plans for j in range(4))
        for j in range(20):
            assessment = WorkloadAssessment.objects.create(
                organisation=organisation, school=schools[j * 7], title=f"Policy change {j + 1}", affects="Teachers",
                decision=WorkloadAssessment.Decision.APPROVED, decision_date=today - datetime.timedelta(days=j + 1))
            WorkloadImpact.objects.create(organisation=organisation, assessment=assessment, job_category="teacher",
                                          minutes_per_week=rng.randint(-60, 60))

    from charters.tests.factories import adopt, open_period

    version = adopt(organisation, languages=("en",), on=today - datetime.timedelta(days=400))
    period = open_period(organisation, name="2025–26 self-assessment", opens_on=today - datetime.timedelta(days=300),
                         due_on=today - datetime.timedelta(days=100))
    with organisation_scope(organisation):
        commitments = list(Commitment.objects.filter(version=version))
        reviews = list(Review.objects.filter(period=period))
        Rating.objects.bulk_create(
            Rating(organisation=organisation, review=review, commitment=c, level=rng.choice(list(Rating.Level.values)))
            for review in reviews for c in commitments)
        Review.objects.filter(period=period).update(status=Review.Status.SIGNED_OFF, signed_off_on=today)
    return organisation.pk


def _areas() -> list[str]:
    from wellbeing.tenancy.areas import WellbeingArea

    return list(WellbeingArea.values)


# --- measured work, each in a fresh process -------------------------------------------------
def _measured(what: str, argument: str) -> tuple[float, float, float, str]:
    """Run one measurement in a new interpreter (`--measure what argument`): its seconds, its
    peak RSS in MB (its own high-water mark, from a cold start like a worker's fresh child), its
    CPU seconds and what it returned."""
    out = subprocess.run([sys.executable, __file__, "--measure", what, argument], check=True, capture_output=True,
                         text=True, env=os.environ.copy()).stdout
    seconds, peak, cpu, result = out.strip().splitlines()[-1].split(" ", 3)
    return float(seconds), float(peak), float(cpu), result


def _measure_main(what: str, argument: str) -> None:
    import django

    django.setup()
    target = {"report": full_report, "weasyprint": weasyprint_alone}[what]
    started, cpu_started = time.perf_counter(), time.process_time()
    result = target(int(argument) if what == "report" else argument)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f} {cpu:.3f} {result}")


def full_report(organisation_id: int) -> int:
    from wellbeing.reports import services
    from wellbeing.reports.models import BoardReport
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Organisation

    organisation = Organisation.objects.get(pk=organisation_id)
    with organisation_scope(organisation):
        report = services.report_request(organisation=organisation, school=None)
    report = services.report_render(organisation_id=organisation_id, report_id=report.pk)
    if report.status != BoardReport.Status.READY:
        raise RuntimeError(report.error)
    return report.pk


def weasyprint_alone(html_path: str) -> int:
    from wellbeing.reports.render import render_pdf

    return len(render_pdf(Path(html_path).read_text()).pdf)


def main() -> None:
    url = bench_database_url()
    if not REUSE:
        print("Preparing a fresh benchmark database...", flush=True)
        prepare_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wellbeing.settings.base")
    import django

    django.setup()
    from django.conf import settings

    if REUSE:
        from wellbeing.tenancy.models import Organisation

        organisation_id = Organisation.objects.get(slug="bench-200").pk
        print("Reusing the organisation of the last run (BENCH_REUSE=1)", flush=True)
    else:
        print("Seeding the organisation (not timed)...", flush=True)
        started = time.perf_counter()
        organisation_id = seed()
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)

    from wellbeing.reports.models import BoardReport
    from wellbeing.tenancy.context import organisation_scope

    ours, base, cpus = [], [], []
    html_path = Path(settings.BASE_DIR) / ".local" / "bench-report.html"
    pages = size = 0
    for run in range(RUNS):
        seconds, peak, cpu, report_id = _measured("report", str(organisation_id))
        with organisation_scope(organisation_id):
            report = BoardReport.objects.get(pk=int(report_id))
        html_path.parent.mkdir(exist_ok=True)
        html_path.write_text(report.html)
        pages, size = report.pages, len(report.pdf)
        ours.append((seconds, peak))
        b_seconds, b_peak, b_cpu, _bytes = _measured("weasyprint", str(html_path))
        base.append((b_seconds, b_peak))
        cpus.append((cpu, b_cpu))
        print(f"  run {run + 1}: report {seconds:.1f} s ({cpu:.1f} s CPU), {peak:.0f} MB; WeasyPrint alone "
              f"{b_seconds:.1f} s ({b_cpu:.1f} s CPU), {b_peak:.0f} MB; load average {os.getloadavg()[0]:.1f}",
              flush=True)

    def med(values):
        return statistics.median(values)

    t, bt = med([s for s, _ in ours]), med([s for s, _ in base])
    m, bm = med([p for _, p in ours]), med([p for _, p in base])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print()
    print(f"Board report, trustee report of {SCHOOLS} schools, {WAVES} waves: {pages} pages, "
          f"{size / 1e6:.1f} MB PDF; median of {RUNS} runs")
    print(f"{datetime.date.today()}, commit {commit}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GB, Python "
          f"{platform.python_version()}; `.venv/bin/python -m wellbeing.embedded run -- .venv/bin/python "
          f"bench/bench_report.py`")
    print()
    print("| measure | median | spread | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|---|")
    spread = f"{min(s for s, _ in ours):.1f}–{max(s for s, _ in ours):.1f}"
    print(f"| wall time (s) | {t:.1f} | {spread} | WeasyPrint alone on the saved HTML: {bt:.1f} | {t / bt:.2f} | "
          f"< {TARGET_SECONDS:.0f} s {'✓' if t < TARGET_SECONDS else '✗'}, ratio < {TARGET_RATIO} "
          f"{'✓' if t / bt < TARGET_RATIO else '✗'} |")
    c, bc = med([s for s, _ in cpus]), med([s for _, s in cpus])
    spread = f"{min(s for s, _ in cpus):.1f}–{max(s for s, _ in cpus):.1f}"
    print(f"| CPU time (s) | {c:.1f} | {spread} | WeasyPrint alone: {bc:.1f} | {c / bc:.2f} | |")
    spread = f"{min(p for _, p in ours):.0f}–{max(p for _, p in ours):.0f}"
    print(f"| peak memory (MB) | {m:.0f} | {spread} | WeasyPrint alone: {bm:.0f} | {m / bm:.2f} | "
          f"< {TARGET_MB:.0f} MB {'✓' if m < TARGET_MB else '✗'} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        _measure_main(sys.argv[2], sys.argv[3])
    else:
        main()
