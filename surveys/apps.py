from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from . import dashboard_pages, signals  # noqa: F401

        dashboard_pages.connect_signals()
