"""The project's Celery app, set up for the worker-kill test (`celery -A surveys.tests.release_worker`).

Started as a real `celery worker` process by surveys/tests/test_releases.py, with the test run's
database and queue in its environment. Two changes from production, both from the environment:

* RELEASE_TEST_VISIBILITY_TIMEOUT (seconds): how long Redis keeps a message that a worker took
  but never acknowledged before handing it out again. Production waits longer than the longest
  task; the test waits seconds. The unacknowledged messages are kept under keys of this test
  run only, so this worker never redelivers another run's tasks.
* RELEASE_TEST_PAUSE_FILE: when set, every release build stops between writing its cells and
  publishing them, writes "<stage> <release id>" to that file and sleeps, so that the test can
  kill the worker at that moment.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_init

from wellbeing.celery import app

run = os.environ.get("STAFFWELL_TEST_RUN", "main")
app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ.get("RELEASE_TEST_VISIBILITY_TIMEOUT", "3")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_key": f"staffwell-test-{run}-unacked",
    "unacked_index_key": f"staffwell-test-{run}-unacked-index",
    "unacked_mutex_key": f"staffwell-test-{run}-unacked-mutex",
}


@worker_init.connect
def pause_release_builds(**kwargs):
    marker = os.environ.get("RELEASE_TEST_PAUSE_FILE")
    if not marker:
        return
    import django

    django.setup()
    from surveys.services import releases

    def checkpoint(stage, release):
        Path(marker).write_text(f"{stage} {release.pk}")
        time.sleep(600)

    releases._checkpoint = checkpoint


__all__ = ["app"]
