"""`make demo`: the demo data, its logins, and the command that sets up and serves the demo."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connections
from django.urls import reverse

from wellbeing.demo import DEMO_PASSWORD
from wellbeing.demo.tenancy import LOGINS, NORTHBROOK, generate_roster
from wellbeing.tenancy.models import Organisation, StaffMember

User = get_user_model()
BASE_DIR = Path(settings.BASE_DIR)


# --- The data ---------------------------------------------------------------------------------
def test_the_roster_is_the_same_people_on_every_run():
    first, second = generate_roster(NORTHBROOK), generate_roster(NORTHBROOK)

    assert first == second
    assert len({entry.email for entry in first}) == len(first), "every person has their own email"
    categories = Counter(entry.job_category for entry in first)
    assert categories.most_common(1)[0][0] == StaffMember.JobCategory.TEACHER
    assert categories[StaffMember.JobCategory.TEACHING_ASSISTANT] > categories[StaffMember.JobCategory.LEADER]
    part_time = sum(entry.contract == StaffMember.Contract.PART_TIME for entry in first)
    assert 0.2 < part_time / len(first) < 0.6
    assert all(entry.fte < 1 for entry in first if entry.contract == StaffMember.Contract.PART_TIME)


def test_demo_totp_names_the_demo_logins_when_the_email_is_not_one():
    with pytest.raises(CommandError, match="trustee@demo.staffwell.test.*organisation_admin@demo.staffwell.test"):
        call_command("demo_totp", "trustee@demo.staffwell.test", stdout=io.StringIO())


# --- The command ------------------------------------------------------------------------------
@pytest.mark.django_db(databases=["default", "owner"])
def test_demo_without_serving_sets_everything_up_and_prints_the_logins():
    out = io.StringIO()

    call_command("demo", "--no-serve", stdout=out)

    output = out.getvalue()
    for login in LOGINS:
        assert login.email in output
        if login.totp_secret:
            assert login.totp_secret in output
    assert DEMO_PASSWORD in output
    assert "make totp" in output
    assert User.objects.get(email="trustee@demo.staffwell.test").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_a_port_in_use_stops_the_demo_before_it_changes_anything(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DEMO_PORT", str(port))

        with pytest.raises(CommandError, match=rf"Port {port} on 127.0.0.1 is already in use.*DEMO_PORT={port + 1}"):
            call_command("demo", stdout=io.StringIO())

    assert not Organisation.objects.filter(slug="northbrook").exists()


# --- The real processes -----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """The owner's URL, pointed at this run's test database."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connections["owner"].settings_dict["NAME"]))


def _processes_in_groups(groups: set[int]) -> list[int]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.django_db(transaction=True)
def test_make_demo_serves_the_site_and_ctrl_c_stops_web_workers_and_beat(tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wellbeing.settings.test",
        "DATABASE_URL": _test_database_url(),
        "DEMO_PORT": str(port),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
    }
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "demo"], cwd=BASE_DIR, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    announced = threading.Event()

    def read():
        for line in demo.stdout:
            lines.append(line)
            if "Staffwell demo: http" in line:
                announced.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert announced.wait(timeout=180), "".join(lines[-40:])
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=5) as response:
            landing = response.read().decode()
        assert reverse("account_login") in landing
        _wait_for(lambda: any(re.search(r"worker\s*\|.*ready\.", line) for line in lines), "worker ready", lines)
        _wait_for(lambda: any(re.search(r"reports\s*\|.*ready\.", line) for line in lines), "reports worker ready", lines)
        _wait_for(lambda: any(re.search(r"beat\s*\|.*beat: Starting", line) for line in lines), "beat started", lines)
        output = "".join(lines)
        assert "organisation_admin@demo.staffwell.test" in output
        groups = {int(pid) for pid in re.findall(r"\b(?:web|worker|reports|beat) started \(pid=(\d+)\)", output)}
        assert len(groups) == 4, output

        started = time.monotonic()
        demo.send_signal(signal.SIGINT)
        returncode = demo.wait(timeout=20)
        stopped_in = time.monotonic() - started
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()

    assert returncode == 0, "".join(lines[-40:])
    assert stopped_in < 10
    _wait_for(lambda: not _processes_in_groups(groups), "every child process gone", lines, timeout=5)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _wait_for(condition, what: str, lines: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n" + "".join(lines[-40:]))
        time.sleep(0.2)
