"""The Celery application: Redis broker, settings read from Django's CELERY_* names.

The settings module is chosen by whoever starts the process (DJANGO_SETTINGS_MODULE in the
Procfile, docker-compose.yml or pytest's configuration), never here: importing this package must
not change the environment of the command that imported it.
"""

from celery import Celery

app = Celery("wellbeing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
