"""Mounted by wellbeing/urls.py under /o/<org>/reports/."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("generate/", views.report_generate, name="generate"),
    path("meetings/add/", views.meeting_add, name="meeting_add"),
    path("meetings/<int:meeting_id>/generate/", views.meeting_generate, name="meeting_generate"),
    path("<int:report_id>/", views.report_detail, name="report"),
    path("<int:report_id>/progress/", views.report_progress, name="progress"),
    path("<int:report_id>/retry/", views.report_retry, name="retry"),
    path("<int:report_id>/new-version/", views.report_new_version, name="new_version"),
    path("<int:report_id>/online/", views.report_online, name="online"),
    path("<int:report_id>/pdf/", views.report_pdf, name="pdf"),
    path("<int:report_id>/compare/", views.report_compare, name="compare"),
]
