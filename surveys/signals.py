"""After `migrate` (and a test database flush), the built-in instruments are there."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="surveys_load_builtin_instruments")
def load_builtin_instruments(sender, using="default", **kwargs):
    if sender.label != "surveys":
        return
    from .services import instrument_load_builtin

    instrument_load_builtin(using=using)
