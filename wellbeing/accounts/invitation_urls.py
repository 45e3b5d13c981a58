"""The emailed invitation link and the token-free page it hands over to, under /invitations/."""

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    # Before the token route: "accept" must never be looked up as a token.
    path("accept/", views.invitation_accept_page, name="accept"),
    path("<str:token>/", views.invitation_open, name="open"),
]
