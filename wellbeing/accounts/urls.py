"""Pages about the people of an organisation, mounted under /o/<org>/ by wellbeing/urls.py."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("people/members/", views.members, name="members"),
    path("people/members/invite/", views.invite, name="invite"),
    path("people/members/<int:membership_id>/deactivate/", views.membership_deactivate, name="membership_deactivate"),
    path("people/members/<int:membership_id>/reactivate/", views.membership_reactivate, name="membership_reactivate"),
]
