from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("grants/", views.grants, name="grants"),
    path("events/", views.events, name="events"),
    path("checkpoints/", views.checkpoints, name="checkpoints"),
    path("verify/", views.verify_now_or_status, name="verify"),
    path("overdue/", views.overdue, name="overdue"),
    path("log.jsonl", views.full_log, name="full-log"),
]
