"""gunicorn settings for the web process (docker-compose.yml's `web`), every knob from the environment.

Access log lines hold the path only, never the query string, and token-like path segments are
masked (wellbeing/logfilters.py): survey and invitation tokens must never reach a log. No client
address, referrer or user agent is logged either.
"""

import os
import sys

from gunicorn.glogging import Logger

# gunicorn loads this file before it puts the project on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wellbeing.logfilters import redact_path  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so a slow leak cannot grow without bound. Each
# replacement stalls that worker's share of the traffic for a moment (its keep-alive connections
# are dropped and the new worker starts with nothing remembered): at 200 page views/s with 2000
# requests, a worker was replaced every 20 s and the dashboards' p95 rose from ~10 ms to ~1 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path without its query string; %(r)s (the request line) would include it.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


class TokenFreeLogger(Logger):
    """gunicorn's logger with the query string, token-like path segments, the referrer and every
    header, cookie and environ atom removed, so a changed access_log_format cannot bring a token
    back into the log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = {
            key: value
            for key, value in super().atoms(resp, req, environ, request_time).items()
            if not key.startswith("{")  # {header}i, {header}o and {variable}e atoms
        }
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["f"] = "-"  # the referrer can be a page address with a token in it
        return atoms


logger_class = TokenFreeLogger
