"""Mounted by wellbeing/urls.py under /o/<org>/api/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("objectives", api.ObjectiveViewSet, basename="objective")
router.register("actions", api.ActionViewSet, basename="action")
router.register("action-updates", api.ProgressUpdateViewSet, basename="action-update")

urlpatterns = router.urls
