from django.urls import path

from extracts import views

app_name = "extracts"

urlpatterns = [
    path("", views.extract_list, name="list"),
    path("request/", views.extract_request_view, name="request"),
    path("subscription/", views.subscription_view, name="subscription"),
    path("ssh-keys/", views.ssh_key_list, name="ssh-keys"),
    path("ssh-keys/<int:key_id>/remove/", views.ssh_key_remove_view, name="ssh-key-remove"),
]
