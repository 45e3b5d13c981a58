from django.urls import path

from . import views, views_roster

app_name = "tenancy"

urlpatterns = [
    path("", views.organisation_home, name="organisation_home"),
    # Staff roster and schools (organisation admins)
    path("people/roster/", views_roster.roster_list, name="roster"),
    path("people/roster/upload/", views_roster.roster_upload, name="roster_upload"),
    path("people/roster/imports/<int:pk>/", views_roster.roster_import_detail, name="roster_import"),
    path(
        "people/roster/imports/<int:pk>/progress/",
        views_roster.roster_import_progress_fragment,
        name="roster_import_progress",
    ),
    path("people/roster/export.csv", views_roster.roster_export, {"file_format": "csv"}, name="roster_export_csv"),
    path("people/roster/export.xlsx", views_roster.roster_export, {"file_format": "xlsx"}, name="roster_export_xlsx"),
    path("schools/", views_roster.school_list, name="schools"),
    path("schools/add/", views_roster.school_add, name="school_add"),
    path("schools/<int:pk>/edit/", views_roster.school_edit, name="school_edit"),
]
