"""The vendor API: thin views over the vault and the grant, guarded by GrantPermission."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from vendors import access
from vendors.api.authentication import BearerTokenAuthentication
from vendors.api.permissions import GrantPermission
from vendors.api.schema import refusals
from vendors.api.serializers import (
    GrantSerializer,
    ProfileSerializer,
    RecordInputSerializer,
    RecordSerializer,
)
from vrm.catalogue import READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY


class VendorAPIView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [GrantPermission]
    required_scopes = ()
    scope_match = "all"
    audit_action = "read"


class ProfileView(VendorAPIView):
    """The person's attributes in the categories the grant covers, decrypted for this response only.

    The only endpoint that counts against the grant's daily read limit."""

    required_scopes = tuple(READ_SCOPE_CATEGORY)
    scope_match = "any"

    @extend_schema(operation_id="read_profile", responses={200: ProfileSerializer, **refusals(401, 403, 429)})
    def get(self, request):
        scopes, profile = access.read_profile(request.access)
        # Already plain JSON types in ProfileSerializer's shape (which documents it); serialising again copies
        # the serializer's fields on every read for an identical body.
        return Response({"grant_id": str(request.grant.id), "scopes": scopes, "profile": profile})


class GrantView(VendorAPIView):
    """The vendor's machine-readable view of the grant its token was issued under (no scope needed)."""

    @extend_schema(operation_id="read_grant", responses={200: GrantSerializer, **refusals(401, "403-no-scope")})
    def get(self, request):
        grant = request.grant
        grant.client = request.auth.application
        return Response(GrantSerializer(grant).data)


class RecordsView(VendorAPIView):
    """Add a record (for example a purchase receipt) to the person's vault, kept for `retention`."""

    required_scopes = tuple(WRITE_SCOPE_CATEGORY)
    scope_match = "any"
    audit_action = "write"

    @extend_schema(
        operation_id="add_record",
        request=RecordInputSerializer,
        responses={201: RecordSerializer, **refusals(400, 401, 403)},
    )
    def post(self, request):
        serializer = RecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = access.add_record(request.access, **serializer.validated_data)
        return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)


class NotFoundView(APIView):
    """Any other URL under /api/v1/: a problem details 404 rather than an HTML page."""

    authentication_classes = []
    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound("There is no such API endpoint; see /api/docs/.")
