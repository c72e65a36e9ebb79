from django.urls import path

from rights import views

app_name = "rights"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("jurisdiction/", views.set_jurisdiction, name="jurisdiction"),
    path("new/<uuid:grant_id>/", views.file_request, name="file"),
    path("<uuid:request_id>/", views.request_detail, name="detail"),
    path("<uuid:request_id>/answer.json", views.download_answer, name="answer"),
]
