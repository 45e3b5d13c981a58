"""Mounted by wellbeing/urls.py under /o/<org>/surveys/: leads' distribution pages."""

from django.urls import path

from . import views_distribution as views

app_name = "survey_distribution"

urlpatterns = [
    path("<int:survey_id>/responses/", views.response_rates, name="response_rates"),
    path("<int:survey_id>/invitations/send/", views.invitations_send, name="invitations_send"),
    path("<int:survey_id>/school-links/", views.school_links, name="school_links"),
    path("<int:survey_id>/school-links/<int:school_id>/", views.school_link_rotate, name="school_link_rotate"),
    path("<int:survey_id>/school-links/<int:school_id>/poster/", views.school_link_poster, name="school_link_poster"),
]
