"""/healthz as a load balancer and `docker compose` see it: real PostgreSQL, Redis and worker."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection


@contextmanager
def closed_port():
    """A local port that refuses connections: bound, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.django_db
def test_healthy_site_reports_database_and_redis_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert "no-cache" in response["Cache-Control"]  # a proxy must never serve an old answer


@pytest.mark.celery
def test_a_running_worker_is_reported(client, celery_worker):
    body = client.get("/healthz").json()

    assert body["checks"]["worker"] == "ok"


@pytest.mark.django_db
def test_without_our_worker_the_site_stays_up_and_says_so(client):
    # A queue no worker consumes: other test runs' workers on the same Redis must not count.
    from wellbeing.celery import app

    original = app.conf.task_default_queue
    app.conf.task_default_queue = "staffwell-healthz-nobody-listens"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.task_default_queue = original

    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == (
        "no worker is consuming the queue 'staffwell-healthz-nobody-listens'"
    )


@pytest.mark.django_db(transaction=True)
def test_unreachable_database_answers_503_with_the_reason(client):
    # The application's own connection is pointed at a port where nothing listens; the next
    # query opens a fresh connection there and fails for real.
    settings_dict = connection.settings_dict
    saved = {key: settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    with closed_port() as port:
        settings_dict.update(HOST="127.0.0.1", PORT=str(port))
        try:
            response = client.get("/healthz")
        finally:
            connection.close()
            settings_dict.update(saved)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["database"] == "error: OperationalError"
    assert body["checks"]["redis"] == "ok"
    assert str(port) not in response.content.decode()  # no connection details for strangers


@pytest.mark.django_db
def test_unreachable_redis_answers_503_with_the_reason(client, settings):
    with closed_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == "error: ConnectionError"
    assert body["checks"]["database"] == "ok"
