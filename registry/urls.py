from django.urls import path

from registry import views

urlpatterns = [
    path("", views.flow_list, name="flow-list"),
    path("upload/", views.flow_upload, name="flow-upload"),
    path("<int:flow_file_id>/", views.flow_detail, name="flow-detail"),
]
