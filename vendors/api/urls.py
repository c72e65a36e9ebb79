from django.urls import path, re_path

from vendors.api import views

urlpatterns = [
    path("profile", views.ProfileView.as_view(), name="api-profile"),
    path("grant", views.GrantView.as_view(), name="api-grant"),
    path("records", views.RecordsView.as_view(), name="api-records"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="api-not-found"),
]
