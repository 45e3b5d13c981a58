"""Mounted by wellbeing/urls.py under /o/<org>/results/: downloads of a release's result cells."""

from django.urls import path

from . import views_exports as views

app_name = "results_export"

urlpatterns = [
    path("releases/<int:release_id>/export.csv", views.release_export, {"file_format": "csv"}, name="csv"),
    path("releases/<int:release_id>/export.xlsx", views.release_export, {"file_format": "xlsx"}, name="xlsx"),
]
