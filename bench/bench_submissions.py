"""Survey submissions under load (issue 3): complete responses of the core instrument offered
through gunicorn over HTTP at a fixed arrival rate, against PostgreSQL.

    make bench-submissions            # 100/s for 60 s, then a step-up to find the sustained rate
    BENCH_QUICK=1 make bench-submissions   # a short smoke run

What one offered submission is: the POST of a person's completed survey (the "Send" button on
the check-your-answers page), which in one transaction stores the anonymous Response, its 48
Answers and the Comments, marks the Invitation responded and deletes the Draft. Before the clock
starts, each simulated person has opened their personal link over HTTP (the token is exchanged
for a session, as in a browser) and their answers are in their server-side draft, as they would
be after paging through the survey.

The step-up offers increasing rates and reports the highest whose p95 stays under 500 ms. Beside
it, the same rows are written straight to PostgreSQL (psycopg, one transaction per response, as
many connections as gunicorn has workers) to give the raw database rate; the ratio of the two
says how much the web stack costs. Afterwards the rows are counted: every accepted submission
must be stored exactly once, and nothing else.

The benchmark uses its own database (staffwell_bench) on the same server as the project, and
never touches the development or test databases.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUICK = os.environ.get("BENCH_QUICK") == "1"
MAIN_RATE = float(os.environ.get("BENCH_RATE", "100"))
MAIN_SECONDS = float(os.environ.get("BENCH_SECONDS", "10" if QUICK else "60"))
STEP_RATES = [float(r) for r in os.environ.get("BENCH_STEPS", "25,50,75,150,200,300").split(",") if r]
STEP_SECONDS = float(os.environ.get("BENCH_STEP_SECONDS", "5" if QUICK else "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
RAW_RESPONSES = int(os.environ.get("BENCH_RAW_RESPONSES", "500" if QUICK else "3000"))
P95_LIMIT_MS = 500.0
SCHOOLS = 10
CSRF = "b" * 32  # a valid CSRF secret; the form sends the same value


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/staffwell_bench", parts.query, ""))


def prepare_database(url: str) -> None:
    """A fresh benchmark database, migrated by the owner role."""
    import psycopg
    from psycopg import sql

    from wellbeing import embedded

    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS staffwell_bench WITH (FORCE)"))
    embedded.provision(url, owner_role=None, dbname="staffwell_bench")
    owner = urlsplit(url).username
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE staffwell_bench OWNER TO {}").format(sql.Identifier(owner)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--database", "owner", "-v", "0"],
        cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url},
    )


def seed(people: int):
    """An open survey of the core instrument with `people` invitations whose drafts are complete.

    Returns (organisation id, survey id, tokens, answers, demographics, comments)."""
    import datetime

    from django.utils import timezone

    from surveys.models import CommentQuestion, DemographicQuestion, Draft, Invitation, Item, Survey
    from surveys.services import instrument_load_builtin, survey_create, survey_open
    from wellbeing.tenancy.context import organisation_scope
    from wellbeing.tenancy.models import Organisation, School, StaffMember
    from wellbeing.tenancy.tokens import new_token, token_hash

    instrument = next(i for i in instrument_load_builtin() if i.code == "staffwell-core")
    organisation = Organisation.objects.create(name="Bench Trust", slug=f"bench-{secrets.token_hex(3)}")
    tokens: list[str] = []
    with organisation_scope(organisation):
        schools = School.objects.bulk_create(
            School(organisation=organisation, name=f"Bench School {i}", phase="primary", staff_count=people // SCHOOLS)
            for i in range(SCHOOLS)
        )
        staff = StaffMember.objects.bulk_create(
            StaffMember(
                organisation=organisation, school=schools[i % SCHOOLS], email=f"p{i}@bench.example.org",
                name=f"Person {i}", job_category="teacher", contract="full_time", fte=1,
            )
            for i in range(people)
        )
        now = timezone.now()
        survey = survey_create(
            organisation=organisation, instrument=instrument, title="Bench survey", schools=schools,
            opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=7),
            demographic_questions=[
                DemographicQuestion.objects.get(organisation__isnull=True, code=c) for c in ("job_category", "age_band")
            ],
        )
        survey = survey_open(survey=survey)
        survey = Survey.objects.get(pk=survey.pk)
        answers = {item.code: 1 + (n % 5) for n, item in enumerate(Item.objects.filter(instrument=instrument))}
        demographics = {"job_category": "teacher", "age_band": "prefer_not_to_say"}
        comments = {q.code: "More time to plan lessons together would help." for q in CommentQuestion.objects.filter(instrument=instrument)}
        invitations = []
        drafts = []
        for person in staff:
            token = new_token()
            tokens.append(token)
            invitations.append(
                Invitation(
                    organisation=organisation, survey=survey, school_id=person.school_id, staff_member=person,
                    token_hash=token_hash(token), sent_on=now.date(),
                )
            )
            drafts.append(
                Draft(
                    organisation=organisation, survey=survey, token_hash=token_hash(token), answers=answers,
                    demographics=demographics, comments=comments, language="en", expires_at=survey.closes_at,
                )
            )
        Invitation.objects.bulk_create(invitations, batch_size=2000)
        Draft.objects.bulk_create(drafts, batch_size=2000)
    return organisation.pk, survey.pk, tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "wellbeing.settings.base",
        "DEBUG": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "GUNICORN_LOG_LEVEL": "warning",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    log = open(ROOT / ".local" / "bench-gunicorn.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wellbeing.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "wellbeing", "worker", "-l", "warning", "-c", "1", "--pool", "solo"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return [web, worker]
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start; see .local/bench-gunicorn.log")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def open_links(base: str, tokens: list[str]) -> list[str]:
    """Open every personal link over HTTP; return each person's session cookie."""
    import aiohttp

    sessions: list[str] = [""] * len(tokens)
    connector = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as client:
        async def one(i: int) -> None:
            async with client.get(f"{base}/s/{tokens[i]}/", allow_redirects=False) as response:
                if response.status != 302:
                    raise RuntimeError(f"opening a link answered {response.status}")
                sessions[i] = response.cookies["sessionid"].value

        for start in range(0, len(tokens), 500):
            await asyncio.gather(*(one(i) for i in range(start, min(start + 500, len(tokens)))))
    return sessions


def submitter(base: str, sessions: list[str], offset: int):
    body = f"csrfmiddlewaretoken={CSRF}"
    headers_base = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": base,
        "Referer": f"{base}/s/survey/check/",
    }

    async def submit(client, i: int) -> int:
        headers = {**headers_base, "Cookie": f"sessionid={sessions[offset + i]}; csrftoken={CSRF}"}
        async with client.post(f"{base}/s/survey/check/", data=body, headers=headers, allow_redirects=False) as response:
            await response.read()
            if response.status == 302 and response.headers.get("Location", "").endswith("/s/survey/done/"):
                return 302
            return response.status if response.status != 302 else 599

    return submit


def drain(base: str, *, limit_seconds: float = 120.0) -> None:
    """Wait until the server answers at once again (the previous phase's queue is worked off):
    a token-free survey page within 200 ms three times running, or `limit_seconds`. Not
    /healthz: its worker check waits a whole second for Celery's replies, so it is never quick
    and every phase would wait out the limit."""
    import urllib.request

    deadline, quick = time.monotonic() + limit_seconds, 0
    time.sleep(2)
    while time.monotonic() < deadline and quick < 3:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/s/privacy/", timeout=30) as response:
                response.read()
            quick = quick + 1 if time.monotonic() - started < 0.2 else 0
        except OSError:
            quick = 0
        time.sleep(0.5)


def raw_database_rate(url: str, organisation_id: int, survey_id: int, count: int) -> float:
    """The same rows, written straight to PostgreSQL as the application role: one transaction per
    response, `WORKERS` connections in parallel."""
    import json
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    from django.conf import settings

    app = settings.DATABASES["default"]
    conninfo = dict(host=app["HOST"] or None, port=app["PORT"] or None, user=app["USER"], password=app["PASSWORD"] or None, dbname="staffwell_bench")
    with psycopg.connect(**conninfo) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation_id)])
        items = [row[0] for row in conn.execute("SELECT i.id FROM surveys_item i JOIN surveys_survey s ON s.instrument_id = i.instrument_id WHERE s.id = %s", [survey_id])]
        questions = [row[0] for row in conn.execute("SELECT q.id FROM surveys_commentquestion q JOIN surveys_survey s ON s.instrument_id = q.instrument_id WHERE s.id = %s", [survey_id])]
        pending = conn.execute(
            "SELECT id, school_id, token_hash FROM surveys_invitation WHERE survey_id = %s AND status = 'sent' ORDER BY id DESC LIMIT %s",
            [survey_id, count],
        ).fetchall()
    demographics = json.dumps({"job_category": "teacher", "age_band": "prefer_not_to_say"})

    def write(chunk):
        with psycopg.connect(**conninfo) as conn:
            for invitation_id, school_id, hashed in chunk:
                with conn.transaction():
                    conn.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation_id)])
                    status = conn.execute("SELECT status FROM surveys_invitation WHERE id = %s FOR UPDATE", [invitation_id]).fetchone()[0]
                    if status != "sent":
                        continue
                    response_id = uuid.uuid4()
                    conn.execute(
                        "INSERT INTO surveys_response (id, organisation_id, survey_id, school_id, submitted_on, demographics, language)"
                        " VALUES (%s, %s, %s, %s, CURRENT_DATE, %s, 'en')",
                        [response_id, organisation_id, survey_id, school_id, demographics],
                    )
                    with conn.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO surveys_answer (response_id, organisation_id, item_id, value, not_applicable) VALUES (%s, %s, %s, %s, false)",
                            [(response_id, organisation_id, item, 1 + n % 5) for n, item in enumerate(items)],
                        )
                        cursor.executemany(
                            "INSERT INTO surveys_comment (id, organisation_id, survey_id, school_id, question_id, text) VALUES (%s, %s, %s, %s, %s, %s)",
                            [(uuid.uuid4(), organisation_id, survey_id, school_id, q, "More time to plan lessons together would help.") for q in questions],
                        )
                    conn.execute("UPDATE surveys_invitation SET status = 'responded' WHERE id = %s", [invitation_id])
                    conn.execute("DELETE FROM surveys_draft WHERE token_hash = %s", [hashed])

    chunks = [pending[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(write, chunks))
    return len(pending) / (time.perf_counter() - started)


def count_rows(organisation_id: int, survey_id: int) -> dict[str, int]:
    from surveys.models import Draft, Invitation, Response
    from wellbeing.tenancy.context import organisation_scope

    with organisation_scope(organisation_id):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id WHERE r.survey_id = %s",
                [survey_id],
            )
            answers = cursor.fetchone()[0]
        return {
            "responses": Response.objects.filter(survey_id=survey_id).count(),
            "answers": answers,
            "responded invitations": Invitation.objects.filter(survey_id=survey_id, status="responded").count(),
            "drafts left": Draft.objects.filter(survey_id=survey_id).count(),
        }


def main() -> None:
    from loadgen import offer, table

    url = bench_database_url()
    print(f"Preparing a fresh benchmark database ({'quick' if QUICK else 'full'} run)...", flush=True)
    prepare_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wellbeing.settings.base")
    import django

    django.setup()

    planned = int(MAIN_RATE * MAIN_SECONDS + sum(r * STEP_SECONDS for r in STEP_RATES))
    people = planned + RAW_RESPONSES + 100
    print(f"Seeding {people} invitations with complete drafts...", flush=True)
    organisation_id, survey_id, tokens = seed(people)

    port = free_port()
    processes = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        print(f"Opening {planned} personal links over HTTP (not timed)...", flush=True)
        started = time.perf_counter()
        sessions = asyncio.run(open_links(base, tokens[:planned]))
        print(f"  {planned / (time.perf_counter() - started):.0f} links/s", flush=True)

        offset = 0
        phases = [(MAIN_RATE, MAIN_SECONDS)] + [(rate, STEP_SECONDS) for rate in STEP_RATES]
        results = []
        for rate, seconds in phases:
            print(f"Offering {rate:.0f} submissions/s for {seconds:.0f} s...", flush=True)
            cpu = time.process_time()
            result = asyncio.run(offer(rate=rate, seconds=seconds, make_request=submitter(base, sessions, offset)))
            cpu = time.process_time() - cpu
            offset += result.offered
            # The load generator shares the machine: its own CPU per request says whether it
            # could be what limits the rate.
            print(f"  load generator CPU {1000 * cpu / max(result.offered, 1):.2f} ms per request", flush=True)
            results.append(result)
            rows.append([
                f"{rate:.0f}", f"{result.offered}", f"{result.throughput:.1f}", f"{result.p50:.0f}",
                f"{result.p95:.0f}", f"{result.p99:.0f}", f"{result.errors}",
            ])
            print(f"  throughput {result.throughput:.1f}/s, p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms, "
                  f"p99 {result.p99:.0f} ms, {result.errors} errors", flush=True)
            if result.error_samples:
                print("  errors:", result.error_samples, flush=True)
            drain(base)  # a step must not inherit the previous one's queue
        sustained = max((r.rate for r in results if r.p95 < P95_LIMIT_MS and r.errors == 0), default=0.0)
        accepted = sum(r.ok for r in results)
    finally:
        stop(processes)

    time.sleep(6)  # the coalesced count refresh is not part of the measurement
    counts = count_rows(organisation_id, survey_id)
    expected_answers = counts["responses"] * 48

    print("Writing the same rows straight to PostgreSQL (raw database rate)...", flush=True)
    raw_rate = raw_database_rate(url, organisation_id, survey_id, RAW_RESPONSES)
    after_raw = count_rows(organisation_id, survey_id)

    print()
    print(table(rows, ["offered/s", "offered", "throughput/s", "p50 ms", "p95 ms", "p99 ms", "errors"]))
    print()
    summary = [
        [f"main phase p95 at {MAIN_RATE:.0f}/s", f"{results[0].p95:.0f} ms", "target < 150 ms"],
        ["highest rate with p95 < 500 ms", f"{sustained:.0f}/s", ""],
        ["raw database rate (same rows)", f"{raw_rate:.0f}/s", f"{WORKERS} connections"],
        ["sustained / raw database", f"{sustained / raw_rate:.2f}" if raw_rate else "n/a", "target >= 0.40"],
        ["accepted submissions", f"{accepted}", ""],
        ["responses stored", f"{counts['responses']}", "at least accepted, at most offered"],
        ["answers stored", f"{counts['answers']}", f"must equal {expected_answers}"],
        ["responded invitations", f"{counts['responded invitations']}", "must equal responses stored"],
        ["responses after raw phase", f"{after_raw['responses']}", ""],
    ]
    print(table(summary, ["measure", "value", "note"]))
    # A submission the client gave up on (timeout) may still have been stored: the server finished
    # it. Lost means accepted but not stored; extra means stored more than offered.
    offered = sum(r.offered for r in results)
    lost = max(0, accepted - counts["responses"])
    extra = max(0, counts["responses"] - offered)
    if lost or extra or counts["answers"] != expected_answers or counts["responded invitations"] != counts["responses"]:
        raise SystemExit(f"ROW COUNT MISMATCH: {lost} accepted submissions not stored, {extra} stored beyond those offered")
    print(f"\nNothing lost: {accepted} accepted, {counts['responses']} stored of {offered} offered.")


if __name__ == "__main__":
    main()
