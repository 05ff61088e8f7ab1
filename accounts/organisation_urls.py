"""Organisation admin screens, under /organisation/ (namespace `organisation`)."""

from django.urls import path

from accounts import api_key_views, views

app_name = "organisation"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("mfa/", views.mfa_requirement, name="mfa-requirement"),
    path("users/", views.user_list, name="users"),
    path("users.csv", views.user_list_csv, name="users-csv"),
    path("users/invite/", views.user_invite, name="invite"),
    path("users/<int:user_id>/", views.user_detail, name="user"),
    path("users/<int:user_id>/role/", views.user_role, name="user-role"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:user_id>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path(
        "users/<int:user_id>/password-reset/",
        views.user_password_reset,
        name="user-password-reset",
    ),
    path("users/<int:user_id>/delete/", views.user_delete, name="user-delete"),
    path("users/<int:user_id>/mfa-reset/", views.user_mfa_reset, name="user-mfa-reset"),
    path("users/<int:user_id>/invite/", views.user_invite_resend, name="user-invite-resend"),
    path("audit/", views.audit, name="audit"),
    path("api-keys/", api_key_views.api_key_list, name="api-keys"),
    path("api-keys/<str:prefix>/revoke/", api_key_views.api_key_revoke_view, name="api-key-revoke"),
]
