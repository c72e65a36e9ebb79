"""POST /api/v1/grant/deletion-confirmation: the vendor confirms it deleted what it read under a grant.

An ended grant has no tokens left, so the vendor authenticates as its OAuth client (HTTP Basic with
client_id and client_secret, as at the token endpoint, RFC 6749 section 2.3.1) and names the grant.
"""

import base64
import binascii
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consents.grants import confirm_deletion
from vendors.api.serializers import ProblemSerializer
from vendors.client_auth import (
    client_auth_wait,
    presented_client_id,
    record_client_auth_failure,
    source_of,
    upgrade_secret_hash,
)
from vendors.models import OAuthClient
from consents.selectors import grant_of_client


class ClientBasicAuthentication(BaseAuthentication):
    """The OAuth client itself, by HTTP Basic client_id:client_secret; request.auth is the client."""

    def authenticate(self, request):
        scheme, _, value = get_authorization_header(request).partition(b" ")
        if scheme.lower() != b"basic":
            return None
        client_id, source = presented_client_id(request), source_of(request)
        wait = client_auth_wait(client_id, source)
        if wait:
            raise exceptions.Throttled(wait, "Too many failed client authentications.")
        try:
            client_id, secret = map(unquote_plus, base64.b64decode(value, validate=True).decode().split(":", 1))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            record_client_auth_failure(client_id, source)
            raise exceptions.AuthenticationFailed("Malformed client credentials.") from None
        client = OAuthClient.objects.filter(client_id=client_id).first()
        if client is None or not client.client_secret or not check_password(secret, client.client_secret):
            record_client_auth_failure(client_id, source)
            raise exceptions.AuthenticationFailed("Unknown client or wrong secret.")
        upgrade_secret_hash(client, secret)
        return (None, client)

    def authenticate_header(self, request):
        return 'Basic realm="vrm"'


class ClientBasicScheme(OpenApiAuthenticationExtension):
    target_class = "vendors.api.deletion.ClientBasicAuthentication"
    name = "clientBasic"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic", "description": "Your OAuth client_id and client_secret."}


class AuthenticatedClient(IsAuthenticated):
    def has_permission(self, request, view):
        return isinstance(request.auth, OAuthClient)


class DeletionConfirmationInput(serializers.Serializer):
    grant_id = serializers.UUIDField()


class DeletionConfirmationView(APIView):
    authentication_classes = [ClientBasicAuthentication]
    permission_classes = [AuthenticatedClient]

    @extend_schema(
        operation_id="confirm_deletion",
        request=DeletionConfirmationInput,
        responses={
            200: inline_serializer(
                "DeletionConfirmed", {"grant_id": serializers.UUIDField(), "deletion_confirmed_at": serializers.DateTimeField()}
            ),
            400: OpenApiResponse(ProblemSerializer, description="No grant_id, or not a UUID (`invalid-request`), or a "
                                                                "body that is not JSON (`malformed-body`)."),
            401: OpenApiResponse(ProblemSerializer, description="Client authentication failed."),
            404: OpenApiResponse(ProblemSerializer, description="No such grant of this client."),
            409: OpenApiResponse(ProblemSerializer, description="The grant is still live (`grant-live`)."),
            429: OpenApiResponse(ProblemSerializer, description="Too many failed client authentications; see Retry-After."),
        },
    )
    def post(self, request):
        serializer = DeletionConfirmationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = grant_of_client(request.auth, serializer.validated_data["grant_id"])
        if grant is None:
            raise exceptions.NotFound("Your client has no grant with this id.")
        grant = confirm_deletion(grant)  # DeletionNotDue while the grant is live: a 409 grant-live problem
        return Response({"grant_id": grant.pk, "deletion_confirmed_at": grant.deletion_confirmed_at})
