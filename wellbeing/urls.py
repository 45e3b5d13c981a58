"""Routes to every app: the only module that knows them all."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from wellbeing.tenancy import views as tenancy_views

from . import health

organisation_patterns = [
    path("", include("wellbeing.tenancy.urls")),
    path("api/", include("wellbeing.tenancy.api_urls")),
    path("api/", include("surveys.api_urls")),
    path("surveys/", include("surveys.urls_distribution")),
    path("surveys/", include("surveys.urls_manage")),
    path("results/", include("surveys.urls_results")),
    path("results/", include("surveys.urls_exports")),
    path("", include("wellbeing.accounts.urls")),
    path("", include("actionplans.urls")),
    path("api/", include("actionplans.api_urls")),
    path("charter/", include("charters.urls")),
    path("api/", include("charters.api_urls")),
    path("reports/", include("wellbeing.reports.urls")),
]

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("o/<slug:org>/", include(organisation_patterns)),
    path("accounts/", include("allauth.urls")),
    path("invitations/", include("wellbeing.accounts.invitation_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Survey links and the pages staff answer on (no sign-in: the link is the key).
    path("s/", include("surveys.urls_taking")),
    path("healthz", health.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
