"""Run the web server, the Celery workers (tasks, board reports) and Celery beat as one foreground command.

The processes are listed in the Procfile and supervised by honcho: each runs in its own process
group, Ctrl-C (SIGINT) or SIGTERM to this command sends SIGTERM to every group, and whatever has
not stopped five seconds later is killed. If one process stops on its own (the web server could
not bind its port, say), the others are stopped too: a demo without its worker would only
half work.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

PROCFILE = Path(settings.BASE_DIR) / "Procfile"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1"}
# Honcho's return codes when it was stopped by a signal rather than by a process ending.
STOPPED_BY_SIGNAL = {130, 143}
READY_TIMEOUT = 120


class PortInUse(RuntimeError):
    pass


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def from_environment(cls) -> Address:
        return cls(host=os.environ.get("DEMO_HOST", "127.0.0.1"), port=int(os.environ.get("DEMO_PORT", "8000")))

    @property
    def _bracketed(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def addrport(self) -> str:
        return f"{self._bracketed}:{self.port}"

    @property
    def url(self) -> str:
        """Where a browser on this machine finds the server (a wildcard host is not an address)."""
        host = WILDCARD.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"


def check_port_free(address: Address) -> None:
    """Raise PortInUse if something already listens where the web server would."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the web server itself does: a port left in TIME_WAIT by the last run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address.host, address.port))
        except OSError as error:
            raise PortInUse(
                f"Port {address.port} on {address.host} is already in use ({error.strerror}). "
                f"Is another `make demo` running? Stop it, or choose another port: "
                f"DEMO_PORT={address.port + 1} make demo"
            ) from error


def process_environment(address: Address) -> dict[str, dict[str, str]]:
    """The environment of each process: the settings module named explicitly, DEBUG for the
    web server only (the demo's static files and error pages; never the worker's setting)."""
    common = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "PYTHON": sys.executable,
        "DEMO_ADDRPORT": address.addrport,
        "PYTHONUNBUFFERED": "1",
    }
    common.setdefault("SITE_URL", address.url.rstrip("/"))
    web = {**common, "DEBUG": "true"}
    if address.host not in LOOPBACK and "ALLOWED_HOSTS" not in os.environ:
        # Served beyond this machine (DEMO_HOST=0.0.0.0): answer whatever name it is reached by.
        web["ALLOWED_HOSTS"] = "*"
    return {"web": web, "worker": common, "reports": common, "beat": common}


def wait_until_answering(url: str, *, stop: threading.Event, timeout: float = READY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status < 500
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return True
        except OSError:
            pass
        stop.wait(0.3)
    return False


def serve(*, address: Address, on_ready: Callable[[], None]) -> int:
    """Run every Procfile process until Ctrl-C/SIGTERM or until one stops; return the exit code:
    0 when stopped as asked, not 0 when a process ended on its own."""
    from honcho.environ import parse_procfile
    from honcho.manager import Manager
    from honcho.printer import Printer

    check_port_free(address)
    beat_schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    beat_schedule.parent.mkdir(parents=True, exist_ok=True)
    # The supervisors are forked: they must not share this process's database connections.
    connections.close_all()

    environments = process_environment(address)
    manager = Manager(Printer(sys.stdout))
    for name, command in parse_procfile(PROCFILE.read_text()).processes.items():
        manager.add_process(name, command, env=environments[name], cwd=str(settings.BASE_DIR))

    stop = threading.Event()

    def announce():
        if wait_until_answering(address.url, stop=stop):
            on_ready()

    announcer = threading.Thread(target=announce, name="demo-ready", daemon=True)
    announcer.start()
    try:
        manager.loop()
    finally:
        stop.set()
        announcer.join(timeout=3)
    if manager.returncode in STOPPED_BY_SIGNAL:
        return 0
    return manager.returncode or 1
