"""The bare baseline: a DRF view behind django-oauth-toolkit's OAuth2Authentication, one table, no checks.

Two variants, served side by side:

- ``/bench/baseline``: DOT as shipped (its own ``OAuth2Validator``, which loads the
  token with an ORM ``select_related`` query on every request). This is the
  baseline of issue 8: what "DOT in front of a table" costs.
- ``/bench/baseline-lean``: the same view through this project's validator
  (``vendors.oauth.VaultOAuth2Validator``, the OAUTH2_VALIDATOR_CLASS setting), which
  loads the token with the read path's own hand-built statement. It shows how much
  of the difference is that one lookup.
"""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.models import BASELINE_FIELDS, BaselineProfile


def stock_oauthlib_core():
    """What DOT's get_oauthlib_core() returns with DOT's default validator instead of the configured one."""
    server = oauth2_settings.OAUTH2_SERVER_CLASS(OAuth2Validator(), **oauth2_settings.server_kwargs)
    return oauth2_settings.OAUTH2_BACKEND_CLASS(server)


class StockOAuth2Authentication(OAuth2Authentication):
    """DOT's OAuth2Authentication, line for line, on DOT's own validator."""

    def authenticate(self, request):
        valid, r = stock_oauthlib_core().verify_request(request, scopes=[])
        if valid:
            return r.user, r.access_token
        request.oauth2_error = getattr(r, "oauth2_error", {})
        return None


class BaselineProfileView(APIView):
    authentication_classes = [StockOAuth2Authentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        row = BaselineProfile.objects.filter(user=request.user).values(*BASELINE_FIELDS).first()
        if row is None:
            raise NotFound("no baseline profile for this token's user")
        return Response(row)


class LeanBaselineProfileView(BaselineProfileView):
    authentication_classes = [OAuth2Authentication]

