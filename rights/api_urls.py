"""Vendor API endpoints for rights requests (client authentication); included before the vendor API's catch-all."""

from django.urls import path

from rights import api

urlpatterns = [
    path("rights-requests", api.RightsRequestListView.as_view(), name="api-rights-requests"),
    path("rights-requests/<uuid:request_id>/response", api.RightsResponseView.as_view(), name="api-rights-response"),
]
