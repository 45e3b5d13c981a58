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
MEDIA_ROOT = env("MEDIA_ROOT", default="/tmp/staffwell-test-media")
