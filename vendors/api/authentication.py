"""The API's bearer-token authentication: the Authorization header only, one statement per request.

DOT's OAuth2Authentication builds an oauthlib Request (headers, body, URI) and
runs oauthlib's resource endpoint around a single token lookup; on the API's
hot path that machinery cost more than the lookup. This class takes the token
from the header itself (RFC 6750 section 2.1), loads it with its grant, user and
client in one statement (vendors.oauth.load_access_token) and checks it as DOT's
validator does, so revocation, pause and expiry still take effect on the very
next request. Refusals carry the same error codes and descriptions as DOT's, except that a
token refused because its grant ended says so (RFC 6750 ``invalid_token`` with
``error_description="grant revoked"`` or ``"grant expired"``), so the vendor knows not to retry.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.www_authenticate import build_bearer_challenge
from rest_framework.authentication import BaseAuthentication

from vendors.oauth import grant_end, load_access_token


def _refuse(request, error, description):
    """Explain why there is no user (the WWW-Authenticate challenge and the problem's detail); None."""
    request.oauth2_error = {"error": error, "error_description": description}


def bearer_token(header):
    """The token of an ``Authorization: Bearer <token>`` header value (scheme case-insensitive); else None."""
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


class BearerTokenAuthentication(BaseAuthentication):
    """An access token in the Authorization header (RFC 9700 section 4.3.2): one in the URL or body is refused.

    Sets ``request.user`` to the token's user and ``request.auth`` to the
    AccessToken, whose ``consent``, ``user`` and ``application`` are already loaded.
    """

    www_authenticate_realm = "vrm"

    def authenticate(self, request):
        request.oauth2_error = {}
        if "access_token" in request.query_params:
            return _refuse(request, "invalid_request",
                           "Send the access token in the Authorization header, not in the URL.")
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return _refuse(request, "invalid_request", "Send the access token in the Authorization header.")
        raw_token = bearer_token(header)
        if raw_token is None:
            return None  # another scheme, or a malformed header: no credentials, no error code (RFC 6750 3.1)
        token = load_access_token(raw_token)
        if token is None:
            return _refuse(request, "invalid_token", _("The access token is invalid."))
        ended = grant_end(token.consent, timezone.now()) if token.consent is not None else None
        if ended:
            return _refuse(request, "invalid_token", ended)
        if token.is_expired():
            return _refuse(request, "invalid_token", _("The access token has expired."))
        if token.resource and not token.allows_audience(request.build_absolute_uri(request.path)):
            return _refuse(request, "invalid_token", _("The access token is not valid for this resource."))
        if token.application is not None and not token.application.is_usable(request):
            return _refuse(request, "invalid_token", _("The access token is invalid."))
        return token.user, token

    def authenticate_header(self, request):
        return build_bearer_challenge(
            request,
            oauth2_error=getattr(request, "oauth2_error", {}),
            realm=self.www_authenticate_realm,
            resource_metadata_url=None,
        )
