from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wellbeing.reports"
    label = "reports"
