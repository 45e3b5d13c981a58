"""Health check of the web container: GET /healthz the way the reverse proxy would.

Django answers only to ALLOWED_HOSTS, so the request names the first of them (a leading dot,
meaning "and subdomains", is dropped). Exit status 0 when the site is healthy, 1 otherwise.
"""

import os
import sys
import urllib.error
import urllib.request


def host_name() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host_name()})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:  # 503: the body says which check failed
        print(error.read().decode(), file=sys.stderr)
    except OSError as error:
        print(f"web process not answering: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
