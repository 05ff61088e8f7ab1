"""Account pages of our own, under /accounts/ beside allauth's."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("invite/<str:token>/", views.invite_accept, name="account_invite_accept"),
]
