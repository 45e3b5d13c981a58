"""Production settings: required secrets and hosts, HTTPS only, hashed static files, SMTP email.

`manage.py check --deploy --fail-level WARNING` passes with the environment documented in the
README (tests/test_deploy.py runs it with docker-compose.yml's environment).
"""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False

# No defaults: a production process missing one of these refuses to start rather than run with
# a development secret or answer to any host name.
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# TLS ends at the reverse proxy in front of gunicorn, which sets X-Forwarded-Proto. The web
# container must be reachable only through that proxy (docker-compose.yml publishes no port
# beyond it), or a client could claim HTTPS itself.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health probes speak plain HTTP from inside the network; redirecting them would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# Links in emails sent from Celery tasks (no request to copy the scheme from) use HTTPS.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
