from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("schools", api.SchoolViewSet, basename="school")

urlpatterns = router.urls
