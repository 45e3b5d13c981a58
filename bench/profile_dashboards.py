"""CPU per cached dashboard page view, in-process (issue 4): the bench-dashboards mix through
Django's test client against the benchmark database of the last `make bench-dashboards`.

    .venv/bin/python -m wellbeing.embedded run -- .venv/bin/python bench/profile_dashboards.py
    PROFILE_VIEWS=2000 PROFILE_CPROFILE=1 ...   # more views, and the top of a cProfile

Prints CPU ms (time.process_time, this process only: PostgreSQL and Redis are not counted) and
the queries per page view, after each distinct page has been fetched once.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

VIEWS = int(os.environ.get("PROFILE_VIEWS", "600"))


def main() -> None:
    from bench_dashboards import DBNAME, pages_and_sessions
    from bench_release import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url(DBNAME)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wellbeing.settings.base")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    for slug in ("bench-small", "bench-large"):
        mix, answers = pages_and_sessions(slug)
        client = Client()

        def view(i: int, mix=mix, client=client) -> None:
            path, session = mix[i % len(mix)]
            client.cookies["sessionid"] = session
            response = client.get(path)
            if response.status_code != 200 or b"<svg" not in response.content:
                raise SystemExit(f"{path}: HTTP {response.status_code}")

        for i in range(len(mix)):
            view(i)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            for i in range(3):
                view(i)
        if os.environ.get("PROFILE_QUERIES") == "1":
            print("\n".join(q[:160] for q in queries))
        started_cpu, started = time.process_time(), time.perf_counter()
        if os.environ.get("PROFILE_CPROFILE") == "1":
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for i in range(VIEWS):
                view(i)
            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        else:
            for i in range(VIEWS):
                view(i)
        cpu = (time.process_time() - started_cpu) / VIEWS * 1000
        wall = (time.perf_counter() - started) / VIEWS * 1000
        print(f"{slug} ({answers:,} answers): {cpu:.1f} ms CPU, {wall:.1f} ms wall per page view "
              f"({VIEWS} views), {len(queries) / 3:.1f} queries per view; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
