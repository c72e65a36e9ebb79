"""OAuth endpoints that differ from django-oauth-toolkit's own: token introspection (RFC 7662)."""

import calendar

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import IntrospectTokenView
from oauthlib.common import Request as OAuthlibRequest

from vendors.models import AccessToken, RefreshToken
from vendors.oauth import checksum


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectionView(IntrospectTokenView):
    """RFC 7662 for confidential clients: a client authenticates itself and learns only about its own tokens.

    DOT's view would also accept a bearer token and describe any client's token;
    here a token of another client, or one whose grant is no longer active, is
    ``{"active": false}``.
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        client = self.authenticated_client(request)
        if client is None:
            response = JsonResponse(
                {"error": "invalid_client", "error_description": "Authenticate with the client's id and secret."},
                status=401,
            )
            response["WWW-Authenticate"] = 'Basic realm="introspection"'
            return response
        token = request.POST.get("token")
        if not token:
            return JsonResponse({"error": "invalid_request", "error_description": "The token parameter is missing."}, status=400)
        return JsonResponse(self.describe(client, token, request.POST.get("token_type_hint")))

    def authenticated_client(self, request):
        core = self.get_oauthlib_core()
        oauth_request = OAuthlibRequest(
            request.build_absolute_uri(), request.method, core.extract_body(request), core.extract_headers(request)
        )
        if core.server.request_validator.authenticate_client(oauth_request):
            return oauth_request.client
        return None

    def describe(self, client, token, hint):
        now = timezone.now()
        lookups = [self.access_token, self.refresh_token]
        if hint == "refresh_token":
            lookups.reverse()
        for lookup in lookups:
            data = lookup(client, checksum(token), now)
            if data is not None:
                return data
        return {"active": False}

    def access_token(self, client, token_checksum, now):
        found = AccessToken.objects.select_related("consent").filter(token_checksum=token_checksum, application=client).first()
        if found is None:
            return None
        if found.is_expired() or (found.consent and not found.consent.is_active_at(now)):
            return {"active": False}
        return self.active(found, client, "access_token", int(calendar.timegm(found.expires.utctimetuple())))

    def refresh_token(self, client, token_checksum, now):
        found = (
            RefreshToken.objects.select_related("consent")
            .filter(Q(revoked__isnull=True), token_checksum=token_checksum, application=client)
            .first()
        )
        if found is None:
            return None
        if found.consent and not found.consent.is_active_at(now):
            return {"active": False}
        return self.active(found, client, "refresh_token", None)

    def active(self, token, client, kind, exp):
        data = {
            "active": True,
            "client_id": client.client_id,
            "token_type": "Bearer" if kind == "access_token" else "refresh_token",
            "iat": int(calendar.timegm(token.created.utctimetuple())),
        }
        if exp is not None:
            data["exp"] = exp
        if kind == "access_token":
            data["scope"] = token.scope
        if token.consent_id:
            data["grant_id"] = str(token.consent_id)
            data["grant_expires_at"] = token.consent.expires_at.isoformat()
        return data
