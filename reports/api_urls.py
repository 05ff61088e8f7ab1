from django.urls import path

from reports import api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="api-report-list"),
    path("reports/<int:pk>/download/", api.ReportDownloadApi.as_view(), name="api-report-download"),
]
