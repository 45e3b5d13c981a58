"""Mounted by wellbeing/urls.py under /s/: the pages staff answer a survey on.

Only the first route holds a token; it answers with a redirect and nothing else."""

from django.urls import path

from .taking import views

app_name = "take"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("link/<slug:code>/", views.link_problem, name="problem"),
    path("survey/", views.start, name="start"),
    path("survey/<int:number>/", views.question_page, name="page"),
    path("survey/check/", views.check, name="check"),
    path("survey/done/", views.done, name="done"),
    path("survey/language/", views.change_language, name="language"),
    path("<str:token>/", views.enter, name="enter"),
]
