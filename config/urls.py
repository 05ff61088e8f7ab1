from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

# The lookups first: Django tries the patterns in order, and a metering-point lookup is
# most of the traffic (none of these patterns overlaps another).
urlpatterns = [
    path("api/v1/", include("search.api_urls")),
    path("", include("search.urls")),
    path("", views.home, name="home"),
    path("health/", views.health_live, name="health-live"),
    path("health/ready/", views.health_ready, name="health-ready"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("organisation/", include("accounts.organisation_urls")),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("reports.api_urls")),
    path("", include("service_status.urls")),
    path("flows/", include("registry.urls")),
    path("api/v1/", include("registry.api_urls")),
    path("bulk/", include("bulk.urls")),
    path("extracts/", include("extracts.urls")),
    path("api/v1/", include("bulk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
