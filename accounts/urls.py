"""Account pages of our own, under /accounts/ beside allauth's."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("invite/<str:token>/", views.invite_accept, name="account_invite_accept"),
    # Before allauth's own page of the same path, which lets a user add addresses.
    path("email/", views.email_address, name="account_email"),
    # "Stay logged in" on the idle-timeout warning (static/js/portal.js).
    path("session/keep-alive/", views.session_keep_alive, name="account_session_keep_alive"),
]
