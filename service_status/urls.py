from django.urls import path

from service_status import views

urlpatterns = [
    path("service-status/", views.status_page, name="service-status"),
    path("service-status/feed/", views.StatusFeed(), name="service-status-feed"),
    path(
        "api/v1/service-status/",
        views.ServiceStatusAPIView.as_view(),
        name="api-service-status",
    ),
]
