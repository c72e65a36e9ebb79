from django.urls import path

from vendors import views, webhook_views

app_name = "developers"

urlpatterns = [
    path("", views.DeveloperHomeView.as_view(), name="home"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation-new"),
    path("organisations/<int:vendor_id>/clients/new/", views.ClientCreateView.as_view(), name="client-new"),
    path("clients/<int:client_id>/", views.ClientDetailView.as_view(), name="client"),
    path("clients/<int:client_id>/edit/", views.ClientEditView.as_view(), name="client-edit"),
    path("clients/<int:client_id>/secret/", views.ClientRotateSecretView.as_view(), name="client-rotate"),
    path("clients/<int:client_id>/delete/", views.ClientDeleteView.as_view(), name="client-delete"),
    path("clients/<int:client_id>/webhooks/", webhook_views.ClientWebhooksView.as_view(), name="client-webhooks"),
]
