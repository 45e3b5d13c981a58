"""/healthz: is the database reachable, is Redis reachable, is a Celery worker answering."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "unreadable"


def _worker() -> str:
    from wellbeing.celery import app

    replies = app.control.inspect(timeout=1.0).ping() or {}
    return "ok" if replies else "no worker answered"


@never_cache
def healthz(request):
    checks = {}
    for name, check in (("database", _database), ("redis", _redis), ("worker", _worker)):
        try:
            checks[name] = check()
        except Exception as error:  # a health check reports failures, it does not raise them
            checks[name] = f"error: {error.__class__.__name__}"
    healthy = checks["database"] == "ok" and checks["redis"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
