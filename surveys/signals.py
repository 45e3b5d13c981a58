"""The surveys app's signals: built-in instruments after `migrate`, and "a release was published"."""

from django.db.models.signals import post_migrate
from django.dispatch import Signal, receiver


@receiver(post_migrate, dispatch_uid="surveys_load_builtin_instruments")
def load_builtin_instruments(sender, using="default", **kwargs):
    if sender.label != "surveys":
        return
    from .services import instrument_load_builtin

    instrument_load_builtin(using=using)


# Sent once a release is published and its transaction has committed, with `release_id` and
# `organisation_id`. Higher floors (action plans' objectives, charters) react to new results
# through it, so that surveys never imports them.
release_published = Signal()
