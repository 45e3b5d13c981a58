"""Settings for the test suite: real PostgreSQL, real Redis, a real Celery worker."""

from .base import *  # noqa: F403
from .base import CACHES, env

TESTING = True
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = "staffwell-test"
# pytest-django empties tables between transactional tests with TRUNCATE as the app role; only
# the test database grants it that (production never does).
DATABASE_APP_GRANT_TRUNCATE = True
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/key"}

# Several test runs may share one PostgreSQL and one Redis (developers working side by side):
# STAFFWELL_TEST_RUN gives each its own test database, cache prefix and Celery queue. So does each
# of pytest-xdist's worker processes (`make test` runs two), on top of its run's name.
TEST_RUN = "-".join(
    part for part in (env("STAFFWELL_TEST_RUN", default=""), env("PYTEST_XDIST_WORKER", default="")) if part
)
MEDIA_ROOT = env("MEDIA_ROOT", default="/tmp/staffwell-test-media" + (f"-{TEST_RUN}" if TEST_RUN else ""))
if TEST_RUN:
    from .base import DATABASES

    for _alias in DATABASES.values():
        _alias["TEST"] = {"NAME": f"test_staffwell_{TEST_RUN}"}
    CACHES["default"]["KEY_PREFIX"] = f"staffwell-test-{TEST_RUN}"
CELERY_TASK_DEFAULT_QUEUE = f"staffwell-test-{TEST_RUN or 'main'}"
# The test worker consumes one queue: board reports render there too (production: "reports").
CELERY_REPORTS_QUEUE = CELERY_TASK_DEFAULT_QUEUE
CELERY_TASK_ROUTES = {"wellbeing.reports.tasks.report_render_task": {"queue": CELERY_REPORTS_QUEUE}}
