from django.urls import path

from bulk import api

# The service-status feature classifies /api/v1/bulk-searches/ as bulk search: keep it.
urlpatterns = [
    path("bulk-searches/", api.BulkSearchListApi.as_view(), name="api-bulk-search-list"),
    path(
        "bulk-searches/<int:pk>/", api.BulkSearchDetailApi.as_view(), name="api-bulk-search-detail"
    ),
    path(
        "bulk-searches/<int:pk>/cancel/",
        api.BulkSearchCancelApi.as_view(),
        name="api-bulk-search-cancel",
    ),
]
