from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit import receipt_views
from vendors.api import docs as api_docs
from vrm import health
from vrm.middleware import bad_request, server_error
from vrm.urls_portal import account_patterns, profile_patterns
from vrm.views import preferences

urlpatterns = [
    path("", preferences.home, name="home"),
    path("landing/", preferences.landing, name="landing"),
    path("settings/", preferences.preferences, name="settings"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include(account_patterns)),
    path("profile/", include(profile_patterns)),
    path("", include("vendors.oauth_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/oauth2-redirect.html", api_docs.oauth2_redirect, name="api-docs-oauth2-redirect"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/problems/", include("vrm.problem_views")),
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
    path("notifications/", include("notifications.urls")),
    path(".well-known/vrm-signing-key", receipt_views.signing_key, name="signing-key"),
]

# The admin is django-otp's OTPAdminSite (vrm/admin_site.py), and served only when an operator turns it on.
if settings.VRM_ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

# An unreachable database met outside a view is a 503, not a 500 or a 400 (vrm/middleware.py).
handler400 = bad_request
handler500 = server_error
