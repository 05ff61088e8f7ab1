from django.urls import path

from search import api

urlpatterns = [
    path(
        "metering-points/",
        api.MeteringPointListApi.as_view(),
        name="api-metering-point-list",
    ),
    path(
        "metering-points/<str:mpan_core>/",
        api.MeteringPointDetailApi.as_view(),
        name="api-metering-point-detail",
    ),
]
