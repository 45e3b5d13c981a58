"""/healthz: is the database reachable, is Redis reachable, is a Celery worker consuming our queue.

The answer is 200 when the database and Redis answer, 503 otherwise, so a load balancer or
`docker compose` stops sending users to a web process that cannot serve them. The worker is
reported but does not fail the check: the web pages still work while a worker restarts, and
the worker container has its own health check.

Failures are reported by exception class only: a driver's message can carry host names and
user names that an unauthenticated caller has no business reading.
"""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _redis() -> str:
    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "unreadable"


def _worker() -> str:
    from wellbeing.celery import app

    # Several deployments (or test runs) may share one Redis: only a worker that consumes the
    # queue our tasks are sent to counts.
    queue = app.conf.task_default_queue
    replies = app.control.inspect(timeout=1.0).active_queues() or {}
    for queues in replies.values():
        if any(consumed.get("name") == queue for consumed in queues or []):
            return "ok"
    return f"no worker is consuming the queue {queue!r}"


@never_cache
def healthz(request):
    checks = {}
    for name, check in (("database", _database), ("redis", _redis), ("worker", _worker)):
        try:
            checks[name] = check()
        except Exception as error:  # a health check reports failures, it does not raise them
            checks[name] = f"error: {error.__class__.__name__}"
    healthy = checks["database"] == "ok" and checks["redis"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )
