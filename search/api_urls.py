from django.urls import path

from search import api

urlpatterns = [
    path(
        "metering-points/",
        api.MeteringPointListApi.as_view(),
        name="api-metering-point-list",
    ),
    path("metering-points/batch/", api.BatchApi.as_view(), name="api-metering-point-batch"),
    path(
        "metering-points/<str:mpan_core>/related/",
        api.RelatedMpansApi.as_view(),
        name="api-metering-point-related",
    ),
    path(
        "metering-points/<str:mpan_core>/",
        api.MeteringPointDetailApi.as_view(),
        name="api-metering-point-detail",
    ),
]
