"""OAuth endpoints that differ from django-oauth-toolkit's own.

Token, revocation and introspection throttle failed client authentication (vendors/client_auth.py)
and answer it as RFC 6749 section 5.2 asks: ``invalid_client`` in the JSON body, 401 and a Basic
challenge. Introspection (RFC 7662) describes only the client's own tokens.
"""

import calendar

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView
from oauthlib.common import Request as OAuthlibRequest

from vendors.client_auth import client_auth_wait, presented_client_id, record_client_auth_failure, source_of
from vendors.models import AccessToken, RefreshToken
from vendors.oauth import checksum, grant_is_live

CLIENT_CHALLENGE = 'Basic realm="vrm"'


def throttled_response(wait):
    response = JsonResponse(
        {
            "error": "temporarily_unavailable",
            "error_description": f"Too many failed client authentications; try again in {wait} seconds.",
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def invalid_client_response():
    response = JsonResponse(
        {"error": "invalid_client", "error_description": "Client authentication failed: unknown client or wrong secret."},
        status=401,
    )
    response["WWW-Authenticate"] = CLIENT_CHALLENGE
    return response


class ClientAuthenticationThrottle:
    """Refuses a throttled client id or source before any secret is checked; counts each failure."""

    def post(self, request, *args, **kwargs):
        client_id, source = presented_client_id(request), source_of(request)
        wait = client_auth_wait(client_id, source)
        if wait:
            return throttled_response(wait)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 401:
            record_client_auth_failure(client_id, source)
            # oauthlib challenges with Bearer; a client authenticates here with Basic (or the body).
            return invalid_client_response()
        return response


class ThrottledTokenView(ClientAuthenticationThrottle, TokenView):
    def post(self, request, *args, **kwargs):
        # oauthlib's server also routes grants this server does not offer (the device code); refuse
        # every grant type the metadata does not advertise.
        if request.POST.get("grant_type") not in oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED:
            return JsonResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Supported grant types: "
                    + ", ".join(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED) + ".",
                },
                status=400,
            )
        return super().post(request, *args, **kwargs)


class ThrottledRevokeTokenView(ClientAuthenticationThrottle, RevokeTokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectionView(IntrospectTokenView):
    """RFC 7662 for confidential clients: a client authenticates itself and learns only about its own tokens.

    DOT's view would also accept a bearer token and describe any client's token;
    here a token of another client, or one whose grant has ended (revoked or
    expired), is ``{"active": false}``. A paused grant's tokens are active and say
    ``"grant_status": "paused"``: the client keeps them for when the person resumes.
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        client_id, source = presented_client_id(request), source_of(request)
        wait = client_auth_wait(client_id, source)
        if wait:
            return throttled_response(wait)
        client = self.authenticated_client(request)
        if client is None:
            record_client_auth_failure(client_id, source)
            return invalid_client_response()
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
        if found.is_expired() or (found.consent and not grant_is_live(found.consent, now)):
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
        if found.consent and not grant_is_live(found.consent, now):
            return {"active": False}
        return self.active(found, client, "refresh_token", None)

    def active(self, token, client, kind, exp):
        data = {
            "active": True,
            "client_id": client.client_id,
            "token_type": "Bearer" if kind == "access_token" else "refresh_token",
            "iat": int(calendar.timegm(token.created.utctimetuple())),
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        }
        if exp is not None:
            data["exp"] = exp
        if kind == "access_token":
            data["scope"] = token.scope
        if token.consent_id:
            data["grant_id"] = str(token.consent_id)
            data["grant_expires_at"] = token.consent.expires_at.isoformat()
            # A paused grant's tokens stay valid (refresh keeps working) but the API answers 403 grant-paused.
            data["grant_status"] = token.consent.status
        return data
