"""Vendor API endpoints where the caller is the OAuth client itself (client authentication), not a token
under a grant: included before vendors.api.urls, whose table of grant-guarded endpoints they stay out of."""

from django.urls import path

from vendors.api.deletion import DeletionConfirmationView

urlpatterns = [
    path("grant/deletion-confirmation", DeletionConfirmationView.as_view(), name="api-deletion-confirmation"),
]
