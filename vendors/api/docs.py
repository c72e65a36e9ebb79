"""The page /api/docs/ ("Try it out") returns to after the OAuth authorization: Swagger UI's own redirect
script, served from our static files, so a vendor can sign in from the docs with PKCE (register
``{SITE_URL}/api/docs/oauth2-redirect.html`` as a redirect URI of the client used there)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def oauth2_redirect(request):
    return render(request, "api_docs/oauth2_redirect.html")
