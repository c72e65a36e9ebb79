from oauth2_provider.contrib.rest_framework import OAuth2Authentication


class BearerTokenAuthentication(OAuth2Authentication):
    """DOT's bearer-token authentication. The token may only come in the Authorization header
    (RFC 9700 section 4.3.2): DOT refuses it in the query string, vendors.oauth.VaultOAuth2Validator
    in the body; this class only explains the refusal."""

    www_authenticate_realm = "vrm"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None and "access_token" in request.query_params:
            request.oauth2_error = {
                "error": "invalid_request",
                "error_description": "Send the access token in the Authorization header, not in the URL.",
            }
        return result
