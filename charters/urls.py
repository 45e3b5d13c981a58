"""Mounted by wellbeing/urls.py under /o/<org>/charter/."""

from django.urls import path

from .views import charter, overview, reviews, staff

app_name = "charters"

urlpatterns = [
    # Staff (everyone in the organisation)
    path("", staff.charter_page, name="charter"),
    path("acknowledge/", staff.acknowledge, name="acknowledge"),
    path("commitments/<int:commitment_id>/comment/", staff.comment, name="comment"),
    path("comments/", staff.comments, name="comments"),
    # Writing the charter (organisation leads)
    path("manage/", charter.manage, name="manage"),
    path("adopt/", charter.adopt, name="adopt"),
    path("create/", charter.create, name="create"),
    path("versions/new/", charter.version_new, name="version_new"),
    path("versions/<int:charter_version_id>/", charter.version_detail, name="version"),
    path("versions/<int:charter_version_id>/edit/", charter.version_edit, name="version_edit"),
    path("versions/<int:charter_version_id>/publish/", charter.version_publish, name="version_publish"),
    path("versions/<int:charter_version_id>/discard/", charter.version_discard, name="version_discard"),
    path("versions/<int:charter_version_id>/commitments/add/", charter.commitment_add, name="commitment_add"),
    path("commitments/<int:commitment_id>/edit/", charter.commitment_edit, name="commitment_edit"),
    path("commitments/<int:commitment_id>/remove/", charter.commitment_remove, name="commitment_remove"),
    path("commitments/<int:commitment_id>/move/", charter.commitment_move, name="commitment_move"),
    # Self-assessment
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/periods/add/", reviews.period_add, name="period_add"),
    path("reviews/periods/<int:period_id>/", reviews.period_detail, name="period"),
    path("reviews/periods/<int:period_id>/close/", reviews.period_close, name="period_close"),
    path("reviews/<int:review_id>/", reviews.review_detail, name="review"),
    path("reviews/<int:review_id>/commitments/<int:commitment_id>/", reviews.rate, name="rate"),
    path("reviews/<int:review_id>/sign-off/", reviews.sign_off, name="sign_off"),
    path("evidence/<uuid:evidence_file_id>/", reviews.evidence_download, name="evidence"),
    path("evidence/<uuid:evidence_file_id>/remove/", reviews.evidence_remove, name="evidence_remove"),
    path("links/<int:evidence_link_id>/remove/", reviews.link_remove, name="link_remove"),
    # Overview (leads, trustees, partners; school leads and governors for their school)
    path("overview/", overview.overview, name="overview"),
    path("overview/export.csv", overview.overview_export, {"file_format": "csv"}, name="overview_csv"),
    path("overview/export.xlsx", overview.overview_export, {"file_format": "xlsx"}, name="overview_xlsx"),
]
