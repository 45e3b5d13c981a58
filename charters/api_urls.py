"""Mounted by wellbeing/urls.py under /o/<org>/api/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("charters", api.CharterViewSet, basename="charter")
router.register("charter-versions", api.CharterVersionViewSet, basename="charter-version")
router.register("charter-commitments", api.CommitmentViewSet, basename="charter-commitment")
router.register("charter-review-periods", api.ReviewPeriodViewSet, basename="charter-review-period")
router.register("charter-reviews", api.ReviewViewSet, basename="charter-review")
router.register("charter-ratings", api.RatingViewSet, basename="charter-rating")

urlpatterns = router.urls
