"""Deployment as an operator meets it: the documented environment passes Django's deploy checks,
a missing secret stops the process, and gunicorn's logs never hold a survey or invitation token."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / "docker" / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def compose_environment(service: str, dotenv: dict[str, str]) -> dict[str, str]:
    """The environment docker compose gives `service`, with .env holding `dotenv`."""
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]

    def interpolate(match: re.Match) -> str:
        value = dotenv.get(match["name"], "")
        if match["op"] == ":?" and not value:
            raise AssertionError(f"compose would refuse to start: {match['arg']}")
        return value or (match["arg"] if match["op"] == ":-" else "")

    return {name: INTERPOLATION.sub(interpolate, str(value)) for name, value in spec["environment"].items()}


def documented_environment() -> dict[str, str]:
    """docker/env.example filled in as its comments ask, passed through docker-compose.yml."""
    dotenv = env_example()
    dotenv.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        TOKEN_HASH_KEY=secrets.token_urlsafe(50),
        POSTGRES_PASSWORD=secrets.token_hex(24),
        DATABASE_OWNER_PASSWORD=secrets.token_hex(24),
        DATABASE_APP_PASSWORD=secrets.token_hex(24),
    )
    return compose_environment("web", dotenv)


def run_manage(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Only PATH and HOME from this process: nothing from the test environment leaks in.
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_documented_environment_passes_the_deploy_checks_without_a_warning():
    environment = documented_environment()
    assert environment["DJANGO_SETTINGS_MODULE"] == "wellbeing.settings.production"

    result = run_manage(environment, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_weak_secret_key_fails_the_deploy_checks():
    environment = {**documented_environment(), "SECRET_KEY": "too-short"}

    result = run_manage(environment, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_setting(missing):
    environment = documented_environment()
    del environment[missing]

    result = run_manage(environment, "check")

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited during start-up"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


def get(port: int, path: str, *, https: bool) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "staffwell.example.org"}
    if https:
        headers["X-Forwarded-Proto"] = "https"  # as the TLS proxy in front would say
    connection.request("GET", path, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_gunicorn_logs_hold_no_token_in_path_or_query_string(tmp_path):
    from wellbeing.tenancy.tokens import new_token

    token, query_secret = new_token(), new_token()
    port = free_port()
    environment = {
        **os.environ,  # DATABASE_URL and REDIS_URL of the servers this test run uses
        "DJANGO_SETTINGS_MODULE": "wellbeing.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "staffwell.example.org",
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wellbeing.wsgi:application", "--config", "gunicorn.conf.py"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            statuses = [
                get(port, f"/s/{token}/?t={query_secret}", https=False),  # redirected to HTTPS
                # No such page (/s/<token>/ itself is the survey link, which needs a migrated
                # database): Django logs the 404 with the path, redacted too.
                get(port, f"/s/{token}/nowhere/?t={query_secret}", https=True),
                get(port, f"/healthz?token={query_secret}", https=False),
            ]
        finally:
            process.terminate()
            process.wait(timeout=30)
    logged = log_path.read_text()

    assert statuses[:2] == [301, 404]
    assert token not in logged and query_secret not in logged
    assert '"GET /s/:token/ HTTP/1.1" 301' in logged
    assert '"GET /s/:token/nowhere/ HTTP/1.1" 404' in logged
    assert "Not Found: /s/:token/nowhere/" in logged  # Django's own warning, redacted too
    assert '"GET /healthz HTTP/1.1"' in logged
