from django.urls import path

from consents import dashboard_views as views

app_name = "consents"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<uuid:grant_id>/", views.grant_detail, name="grant_detail"),
    path("<uuid:grant_id>/revoke/", views.revoke, name="revoke"),
    path("<uuid:grant_id>/pause/", views.pause, name="pause"),
    path("<uuid:grant_id>/resume/", views.resume, name="resume"),
    path("<uuid:grant_id>/narrow/", views.narrow, name="narrow"),
    path("<uuid:grant_id>/shorten/", views.shorten, name="shorten"),
    path("<uuid:grant_id>/leave/", views.leave, name="leave"),
]
