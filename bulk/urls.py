from django.urls import path

from bulk import views

app_name = "bulk"

# The service-status feature classifies /bulk/ as the bulk search function: keep the prefix.
urlpatterns = [
    path("", views.bulk_search_home, name="home"),
    path("<int:pk>/", views.bulk_search_detail, name="detail"),
    path("<int:pk>/status.json", views.bulk_search_status, name="status"),
    path("<int:pk>/cancel/", views.bulk_search_cancel_view, name="cancel"),
]
