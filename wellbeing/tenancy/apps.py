from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "wellbeing.tenancy"
    label = "tenancy"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from . import access_cache, signals  # noqa: F401

        access_cache.connect_signals()
