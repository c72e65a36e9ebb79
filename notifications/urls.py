from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:notice_id>/dismiss/", views.dismiss, name="dismiss"),
    path("digest/", views.digest_setting, name="digest"),
    path("digest/off/<str:token>/", views.digest_off, name="digest-off"),
]
