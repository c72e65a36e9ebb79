from oauth2_provider.contrib.rest_framework import OAuth2Authentication


class BearerTokenAuthentication(OAuth2Authentication):
    """DOT's bearer-token authentication; the token may only come in the Authorization header
    (enforced by vendors.oauth.VaultOAuth2Validator)."""

    www_authenticate_realm = "vrm"
