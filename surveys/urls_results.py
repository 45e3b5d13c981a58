"""Mounted by wellbeing/urls.py under /o/<org>/results/: the results dashboards."""

from django.urls import path

from . import views_results as views

app_name = "results"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:survey_id>/", views.organisation_dashboard, name="organisation"),
    path("<int:survey_id>/schools/<int:school_id>/", views.school_dashboard, name="school"),
    path("<int:survey_id>/items/<int:item_id>/", views.item_drilldown_page, name="item"),
    path("<int:survey_id>/comments/", views.comments, name="comments"),
]
