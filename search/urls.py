from django.urls import path

from search import views

app_name = "search"

# The service-status feature classifies /search/ and /metering-points/ as primary search:
# keep these prefixes.
urlpatterns = [
    path("search/", views.search_results, name="results"),
    path("search/address/", views.address_search_view, name="address"),
    path("search/export.csv", views.search_export, name="export"),
    path("search/usage/", views.search_usage_view, name="usage"),
    path("metering-points/<str:mpan_core>/", views.metering_point_detail_view, name="detail"),
]
