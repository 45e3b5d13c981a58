"""Mounted by wellbeing/urls.py under /o/<org>/api/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("instruments", api.InstrumentViewSet, basename="survey-instrument")
router.register("demographic-questions", api.DemographicQuestionViewSet, basename="survey-demographic-question")
router.register("surveys", api.SurveyViewSet, basename="survey")
router.register("results/releases", api.ReleaseViewSet, basename="result-release")
router.register("results/cells", api.ResultCellViewSet, basename="result-cell")

urlpatterns = router.urls
