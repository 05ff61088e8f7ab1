from django.urls import path

from registry import api

urlpatterns = [
    path("flows/", api.flow_create, name="api-flow-create"),
    path("flows/<int:flow_file_id>/", api.flow_detail, name="api-flow-detail"),
]
