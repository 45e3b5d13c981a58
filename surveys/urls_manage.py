"""Mounted by wellbeing/urls.py under /o/<org>/surveys/: the leads' list of surveys."""

from django.urls import path

from . import views_manage as views

app_name = "survey_manage"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<int:survey_id>/open/", views.survey_change_status, {"action": "open"}, name="open"),
    path("<int:survey_id>/close/", views.survey_change_status, {"action": "close"}, name="close"),
]
