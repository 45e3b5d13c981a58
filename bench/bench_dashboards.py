"""Results dashboards under load (issue 4): p95 latency with 200 page views per second offered
(open loop), with 10k and with 1M stored answers.

    make bench-dashboards                   # 200/s for 30 s against each organisation
    BENCH_SECONDS=10 make bench-dashboards  # shorter
    BENCH_REUSE=1 make bench-dashboards     # keep the database of the last run (skips ~5 min of set-up)

Two organisations in one database, each with a closed survey of the 50-item instrument, its
final release built by the release service, an organisation lead and a school lead:

* "small": about 200 respondents in 4 schools, about 10,000 stored answers;
* "large": about 20,000 respondents in 200 schools, about 1,000,000 stored answers.

A page view is a GET of a whole dashboard through gunicorn (as a browser would ask for it, with
the session cookie of a signed-in lead): a third organisation dashboards (organisation lead),
a third school dashboards of any school (organisation lead), a third the school lead's own
school dashboard. Each distinct page is fetched once before the clock starts (a release never
changes, so the dashboards may cache what they draw from it) and the mix is offered untimed for
BENCH_WARMUP seconds (5: every worker meets each page); then 200 page views per second are
offered for BENCH_SECONDS, against one organisation and then the other. gunicorn runs as
deployed (gunicorn.conf.py: 2 workers x 4 threads unless BENCH_WORKERS / BENCH_THREADS /
BENCH_MAX_REQUESTS say otherwise), and the table gives its CPU per page view (arbiter and
workers, from /proc), which other load on the machine inflates far less than latencies. Dashboards read
result cells only, so the p95 with 1M answers should be about the p95 with 10k (ratio ~1).

The benchmark uses its own database (staffwell_bench_dashboards) on the project's server.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

RATE = float(os.environ.get("BENCH_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
# The server as deployed (gunicorn.conf.py, docker-compose.yml: 2 workers x 4 threads, a worker
# replaced after GUNICORN_MAX_REQUESTS requests); BENCH_WORKERS / BENCH_THREADS /
# BENCH_MAX_REQUESTS try others.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
MAX_REQUESTS = os.environ.get("BENCH_MAX_REQUESTS", "")
REUSE = os.environ.get("BENCH_REUSE") == "1"
DBNAME = "staffwell_bench_dashboards"
TARGET_MS = 150.0
DATASETS = (("small", 200, 4), ("large", 20_000, 200))  # slug suffix, respondents, schools


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "wellbeing.settings.base", "DEBUG": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(WORKERS), "GUNICORN_THREADS": str(THREADS),
        "GUNICORN_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "warning"),
        **({"GUNICORN_MAX_REQUESTS": MAX_REQUESTS} if MAX_REQUESTS else {}),
    }
    log = open(ROOT / ".local" / "bench-dashboards-gunicorn.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
         "wellbeing.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return web
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start; see .local/bench-dashboards-gunicorn.log")


def server_cpu_seconds(web: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn (its arbiter and workers, the process group started
    for it): the server's own cost per page view, which the load of other processes on the
    machine inflates far less than it inflates latencies. PostgreSQL and Redis not included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == web.pid:  # the process group
            total += sum(int(x) for x in fields[11:15])  # utime, stime, and of children reaped
    return total / ticks


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def build(slug: str, respondents: int, schools: int) -> None:
    """The organisation's answers (bench_release.seed) and its final release."""
    from bench_release import seed

    from surveys.models import Release, Survey
    from surveys.services.releases import release_build
    from wellbeing.tenancy.context import organisation_scope

    organisation_id, survey_id = seed(slug=slug, respondents=respondents, schools=schools)
    with organisation_scope(organisation_id):
        survey = Survey.objects.get(pk=survey_id)
    release_build(survey=survey, kind=Release.Kind.FINAL)


def pages_and_sessions(slug: str) -> tuple[list[tuple[str, str]], int]:
    """(path, session cookie) of every page view of the mix, and the organisation's answers."""
    from allauth.mfa.models import Authenticator
    from django.db import connection
    from django.test import Client

    from surveys.models import Survey
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Membership, Organisation, Role, School
    from wellbeing.tenancy.tests.factories import MembershipFactory, UserFactory

    organisation = Organisation.objects.get(slug=slug)
    cookies = {}
    with organisation_scope(organisation):
        survey = Survey.objects.get(title="Bench survey")
        schools = list(School.objects.order_by("pk").values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM surveys_answer WHERE organisation_id = %s", [organisation.pk])
            (answers,) = cursor.fetchone()
        own_school = schools[len(schools) // 2]
        for role, school in ((Role.ORGANISATION_LEAD, None), (Role.SCHOOL_LEAD, own_school)):
            user = UserFactory(email=f"{role.value}@{slug}.bench.example.org")
            if not Membership.objects.filter(user=user).exists():  # a reused database has them
                MembershipFactory(user=user, role=role, school_id=school)
            Authenticator.objects.get_or_create(
                user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
            )
            client = Client()
            client.force_login(user)
            cookies[role] = client.cookies["sessionid"].value
    base = f"/o/{slug}/results/{survey.pk}"
    mix = []
    for i in range(60):
        if i % 3 == 0:
            mix.append((f"{base}/", cookies[Role.ORGANISATION_LEAD]))
        elif i % 3 == 1:
            mix.append((f"{base}/schools/{schools[(i * 7) % len(schools)]}/", cookies[Role.ORGANISATION_LEAD]))
        else:
            mix.append((f"{base}/schools/{own_school}/", cookies[Role.SCHOOL_LEAD]))
    return mix, answers


def requester(base_url: str, mix: list[tuple[str, str]]):
    async def request(client, i: int) -> int:
        path, session = mix[i % len(mix)]
        async with client.get(base_url + path, headers={"Cookie": f"sessionid={session}"},
                              allow_redirects=False) as response:
            body = await response.read()
            if response.status == 200 and b"<svg" not in body:
                return 598  # a page without its charts is not a dashboard
            return response.status

    return request


async def check_pages(base_url: str, mix: list[tuple[str, str]]) -> list[str]:
    """Fetch each distinct page once (not timed); returns what went wrong."""
    import aiohttp

    problems = []
    async with aiohttp.ClientSession() as client:
        for path, session in dict.fromkeys(mix):
            async with client.get(base_url + path, headers={"Cookie": f"sessionid={session}"},
                                  allow_redirects=False) as response:
                body = await response.text()
                if response.status != 200 or "<svg" not in body:
                    title = re.search(r"<title>(.*?)</title>", body, re.S)
                    problems.append(f"{path}: HTTP {response.status} {title.group(1).strip() if title else ''}")
    return problems


def main() -> None:
    from bench_release import bench_database_url, database_exists, prepare_database, table
    from loadgen import offer

    url = bench_database_url(DBNAME)
    fresh = not (REUSE and database_exists(url))
    if fresh:
        print(f"Preparing a fresh benchmark database ({DBNAME})...", flush=True)
        prepare_database(url)
    else:
        print(f"Reusing the database {DBNAME}.", flush=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wellbeing.settings.base")
    import django

    django.setup()
    if fresh:
        for suffix, respondents, schools in DATASETS:
            print(f"Loading {suffix}: about {respondents:,} respondents in {schools} schools, and its final release "
                  "(not timed)...", flush=True)
            started = time.perf_counter()
            build(f"bench-{suffix}", respondents, schools)
            print(f"  {time.perf_counter() - started:.0f} s", flush=True)

    port = free_port()
    server = start_server(url, port)
    base_url = f"http://127.0.0.1:{port}"
    results = []
    try:
        for suffix, _respondents, _schools in DATASETS:
            mix, answers = pages_and_sessions(f"bench-{suffix}")
            problems = asyncio.run(check_pages(base_url, mix))
            if problems:
                raise SystemExit("Dashboards not served:\n  " + "\n  ".join(problems))
            # Untimed: every worker boots and meets each page before the clock starts.
            asyncio.run(offer(rate=RATE, seconds=WARMUP, make_request=requester(base_url, mix)))
            print(f"Offering {RATE:.0f} page views/s for {SECONDS:.0f} s ({suffix}, {answers:,} answers)...", flush=True)
            cpu = server_cpu_seconds(server)
            result = asyncio.run(offer(rate=RATE, seconds=SECONDS, make_request=requester(base_url, mix)))
            cpu = server_cpu_seconds(server) - cpu
            if result.error_samples:
                print("  errors:", result.error_samples, flush=True)
            results.append((suffix, answers, result, cpu / max(result.offered, 1) * 1000))
            time.sleep(3)
    finally:
        stop(server)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                            check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=ROOT, check=False).stdout.strip()
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    print()
    print(f"Dashboard benchmark — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}"
          f"{' (with uncommitted changes)' if dirty else ''}")
    print(f"{os.cpu_count()} cores, {int(memory) // 1024 ** 2} GB, load average {os.getloadavg()[0]:.1f}; "
          f"Python {platform.python_version()}; gunicorn {WORKERS} workers x {THREADS} threads; "
          f"mix: 1/3 organisation dashboards, 2/3 school dashboards")
    print("Command: make bench-dashboards")
    print()
    rows = [
        [f"{answers:,}", f"{r.rate:.0f}", f"{r.seconds:.0f}", f"{r.throughput:.1f}", f"{r.p50:.0f}", f"{r.p95:.0f}",
         f"{r.p99:.0f}", f"{r.errors}", f"{cpu_ms:.1f}",
         f"< {TARGET_MS:.0f} ms {'✓' if r.p95 < TARGET_MS and not r.errors else '✗'}"]
        for _suffix, answers, r, cpu_ms in results
    ]
    print(table(rows, ["stored answers", "offered/s", "duration (s)", "throughput/s", "p50 ms", "p95 ms", "p99 ms",
                       "errors", "gunicorn CPU ms/view", "target p95"]))
    if len(results) == 2 and results[0][2].p95 > 0:
        print()
        print(f"p95 ratio, 1M / 10k answers: {results[1][2].p95 / results[0][2].p95:.2f} (≈ 1 expected)")


if __name__ == "__main__":
    main()
