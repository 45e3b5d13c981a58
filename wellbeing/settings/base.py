"""Settings shared by every environment. Every knob comes from the environment.

Each variable read here is listed, with its default, in the README's configuration table.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# Keyed hashes of invitation tokens use their own key, so rotating SECRET_KEY (sessions) does
# not invalidate every survey link already emailed out.
TOKEN_HASH_KEY = env("TOKEN_HASH_KEY", default=SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "wellbeing.accounts",
    "wellbeing.tenancy",
    "surveys",
    "charters",
    "actionplans",
    "wellbeing.reports",
    # The project package itself, for its management commands (`manage.py demo`).
    "wellbeing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, with the user remembered per process (tenancy/access_cache.py).
    "wellbeing.accounts.middleware.RememberedUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wellbeing.accounts.middleware.RequireMfaMiddleware",
    "wellbeing.tenancy.middleware.OrganisationMiddleware",
]

ROOT_URLCONF = "wellbeing.urls"
WSGI_APPLICATION = "wellbeing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wellbeing.tenancy.context_processors.tenancy",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------
# DATABASE_URL is the owner's connection: it runs migrations and owns the tables. The web
# process and the workers connect as a second role (DATABASE_APP_USER) that is neither
# superuser, nor owner, nor BYPASSRLS, so PostgreSQL row-level security applies to it.
def _app_url(owner_url: str, user: str, password: str) -> str:
    parts = urlsplit(owner_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    auth = user if not password else f"{user}:{password}"
    return urlunsplit((parts.scheme, f"{auth}@{host}", parts.path, parts.query, parts.fragment))


DATABASE_URL = env("DATABASE_URL", default="postgresql://staffwell_owner@localhost:5432/staffwell")
DATABASE_APP_USER = env("DATABASE_APP_USER", default="staffwell_app")
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", default="")
DATABASES = {
    "default": env.db_url_config(_app_url(DATABASE_URL, DATABASE_APP_USER, DATABASE_APP_PASSWORD)),
    "owner": env.db_url_config(DATABASE_URL),
}
for _alias in DATABASES.values():
    _alias["HOST"] = unquote(_alias["HOST"])  # a socket directory arrives percent-encoded
    _alias["ENGINE"] = "django.db.backends.postgresql"
    _alias["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _alias["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": {
        # Django's Redis cache reusing one client per connection pool (wellbeing/cache.py).
        "BACKEND": "wellbeing.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="staffwell"),
    }
}
# Sessions live in Redis only: a survey page then costs no session write to PostgreSQL. Losing
# Redis signs people out and asks survey takers to open their link again; their answers are safe,
# since drafts are kept in the database under the link.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.cache")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# One place for the visibility timeout: longer than the longest task, so Redis does not hand
# a long task to a second worker while the first is still on it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 10 * 60}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".local" / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE: dict = {
    # Surveys open and close on their own at the times leads set (a minute late at most).
    "surveys-open-and-close-due": {"task": "surveys.tasks.open_and_close_due_surveys", "schedule": 60.0},
    # Invitations for new joiners and the day's reminders (each person at most once a day).
    "surveys-distribute-due": {"task": "surveys.tasks.distribute_due", "schedule": 30 * 60.0},
    # Leads whose charter self-assessment is due (a week before, the day before, overdue).
    "charters-review-reminders": {"task": "charters.tasks.review_reminders_due", "schedule": crontab(hour=7, minute=0)},
    # Overdue actions' owners reminded, objectives' statuses refreshed (each morning, UTC).
    "actionplans-daily": {"task": "actionplans.tasks.daily", "schedule": crontab(hour=6, minute=30)},
    # The "you said, we did" digest for those who asked for it (Monday morning).
    "actionplans-weekly-digest": {"task": "actionplans.tasks.weekly_digest",
                                  "schedule": crontab(hour=7, minute=0, day_of_week=1)},
    # Board reports due for their meetings (the meeting's date less its days_before).
    "reports-request-due": {"task": "wellbeing.reports.tasks.reports_request_due",
                            "schedule": crontab(hour=5, minute=30)},
}
# Board reports render on a queue of their own, served by a worker started with
# `-Q reports --max-tasks-per-child=3` (Procfile, docker-compose.yml): memory-heavy WeasyPrint
# work is isolated, and its child process is replaced every few reports.
CELERY_REPORTS_QUEUE = env("CELERY_REPORTS_QUEUE", default="reports")
CELERY_TASK_ROUTES = {"wellbeing.reports.tasks.report_render_task": {"queue": CELERY_REPORTS_QUEUE}}
CELERY_TIMEZONE = "UTC"

# --- Accounts (django-allauth) ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_OPEN = env.bool("ACCOUNT_SIGNUP_OPEN", default=False)
ACCOUNT_ADAPTER = "wellbeing.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "wellbeing.accounts.forms.SignupDetailsForm"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", default="5/5m/key,20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Staffwell"
# Roles whose holders see more than their own answers must use a second factor.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)

SSO_GOOGLE_CLIENT_ID = env("SSO_GOOGLE_CLIENT_ID", default="")
SSO_GOOGLE_SECRET = env("SSO_GOOGLE_SECRET", default="")
SSO_MICROSOFT_CLIENT_ID = env("SSO_MICROSOFT_CLIENT_ID", default="")
SSO_MICROSOFT_SECRET = env("SSO_MICROSOFT_SECRET", default="")
SSO_MICROSOFT_TENANT = env("SSO_MICROSOFT_TENANT", default="organizations")
SOCIALACCOUNT_PROVIDERS: dict = {}
if SSO_GOOGLE_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": SSO_GOOGLE_CLIENT_ID, "secret": SSO_GOOGLE_SECRET}],
        "SCOPE": ["profile", "email"],
    }
if SSO_MICROSOFT_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [{"client_id": SSO_MICROSOFT_CLIENT_ID, "secret": SSO_MICROSOFT_SECRET,
                  "settings": {"tenant": SSO_MICROSOFT_TENANT}}],
    }
SOCIALACCOUNT_ADAPTER = "wellbeing.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Staffwell <no-reply@staffwell.localhost>")

# --- Language -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / ".local" / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Disclosure control's audit of each item and domain over the people who answered it, against an
# attacker who also knows who skipped which item (docs/privacy.md). On by default; turning it off
# leaves that attacker able to work out small groups' answers to single items.
DISCLOSURE_AUDIT_ITEM_NONRESPONSE = env.bool("DISCLOSURE_AUDIT_ITEM_NONRESPONSE", default=True)
# Processes (forked from the worker building the release) that share the per-item audits; 0: one
# per core the worker may use. The suppressions do not depend on it, only the time they take.
DISCLOSURE_AUDIT_PROCESSES = env.int("DISCLOSURE_AUDIT_PROCESSES", default=0)
# A release's Excel download with more cells than this (about 5 s of writing) is written by the
# worker while the page waits; smaller ones while the request waits. Either is kept and reused.
RESULTS_XLSX_INLINE_MAX_CELLS = env.int("RESULTS_XLSX_INLINE_MAX_CELLS", default=20_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Staffwell API",
    "DESCRIPTION": "Read and manage a staff wellbeing programme: organisations, surveys, results, plans.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a `status` with their own choices: each gets its own schema name (without
    # these, drf-spectacular warns and `check --deploy --fail-level WARNING` fails).
    "ENUM_NAME_OVERRIDES": {
        "InstrumentStatusEnum": "surveys.models.Instrument.Status",
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "InvitationStatusEnum": "surveys.models.Invitation.Status",
        "RosterImportStatusEnum": "wellbeing.tenancy.models.RosterImport.Status",
        "ObjectiveStatusEnum": "actionplans.models.Objective.Status",
        "ActionStatusEnum": "actionplans.models.Action.Status",
        "ReviewPeriodStatusEnum": "charters.models.ReviewPeriod.Status",
        "CharterReviewStatusEnum": "charters.models.Review.Status",
        "CharterRatingLevelEnum": "charters.models.Rating.Level",
    },
}

# --- Surveys ---------------------------------------------------------------------------------
# Answers accepted per hour through a school's shared link from one network address (kept in
# Redis under a daily-salted hash only): a brake on one device sending many, loose enough for a
# school whose staff share one address.
SURVEY_SHARED_LINK_HOURLY_LIMIT = env.int("SURVEY_SHARED_LINK_HOURLY_LIMIT", default=30)

# --- Roster import ----------------------------------------------------------------------------
# Files with more rows than this are imported by a Celery worker with a progress bar.
ROSTER_BACKGROUND_ROWS = env.int("ROSTER_BACKGROUND_ROWS", default=1000)
ROSTER_MAX_UPLOAD_BYTES = env.int("ROSTER_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secret link tokens travel in URL paths: every line is redacted before it is written.
    "filters": {"redact_tokens": {"()": "wellbeing.logfilters.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Access lines are written by gunicorn without query strings (see gunicorn.conf.py).
        "django.server": {"level": "WARNING"},
    },
}
