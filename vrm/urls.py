from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit import receipt_views
from vrm import health
from vrm.middleware import bad_request, server_error
from vrm.urls_portal import account_patterns, profile_patterns

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_patterns)),
    path("profile/", include(profile_patterns)),
    path("", include("vendors.oauth_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Before the vendor API, whose last pattern answers every other /api/v1/ path with a 404 problem.
    path("api/v1/", include("audit.api_urls")),
    path("api/v1/", include("vendors.api.client_urls")),
    path("api/v1/", include("rights.api_urls")),
    path("api/v1/", include("vendors.api.urls")),
    path("developers/", include("vendors.urls")),
    path("receipts/", include("audit.receipt_urls")),
    path("connections/", include("consents.urls")),
    path("rights/", include("rights.urls")),
    path("audit/rights/", include("rights.audit_urls")),
    path("audit/", include("audit.urls")),
    path(".well-known/vrm-signing-key", receipt_views.signing_key, name="signing-key"),
]

# An unreachable database met outside a view is a 503, not a 500 or a 400 (vrm/middleware.py).
handler400 = bad_request
handler500 = server_error
