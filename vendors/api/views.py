"""The vendor API: thin views over the vault and the grant, guarded by GrantPermission."""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as audit_log
from vendors.api.authentication import BearerTokenAuthentication
from vendors.api.permissions import GrantPermission
from vendors.api.serializers import (
    GrantSerializer,
    ProblemSerializer,
    ProfileSerializer,
    RecordInputSerializer,
    RecordSerializer,
)
from vrm import vault
from vrm.catalogue import READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY

REFUSALS = {
    code: OpenApiResponse(ProblemSerializer, description=text)
    for code, text in [
        (401, "No valid access token (missing, expired, revoked, or not in the Authorization header)."),
        (403, "The grant is paused, expired or revoked, or lacks the scope."),
        (429, "The grant's daily read limit is reached."),
    ]
}


class VendorAPIView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [GrantPermission]
    required_scopes = ()
    scope_match = "all"
    audit_action = "read"


class ProfileView(VendorAPIView):
    """The person's attributes in the categories the grant covers, decrypted for this response only."""

    required_scopes = tuple(READ_SCOPE_CATEGORY)
    scope_match = "any"

    @extend_schema(operation_id="read_profile", responses={200: ProfileSerializer, **REFUSALS})
    def get(self, request):
        grant = request.grant
        scopes = sorted(scope for scope in request.usable_scopes if scope in READ_SCOPE_CATEGORY)
        # No transaction around these: the values are read, then the read's audit entry is one INSERT that
        # commits on its own (pending, for the sequencer to chain) before the values leave. If it fails, the
        # vendor gets a 503 and no values.
        profile = vault.read_profile(request.auth.user, [READ_SCOPE_CATEGORY[scope] for scope in scopes])
        fields = sorted(f"{category}.{key}" for category, values in profile.items() for key in values)
        audit_log.record_access(grant, action="read", fields=fields, outcome="ok", request_id=request.request_id)
        # Already plain JSON types in ProfileSerializer's shape (which documents it); serialising again copies
        # the serializer's fields on every read for an identical body.
        return Response({"grant_id": str(grant.id), "scopes": scopes, "profile": profile})


class GrantView(VendorAPIView):
    """The vendor's machine-readable view of the grant its token was issued under."""

    @extend_schema(operation_id="read_grant", responses={200: GrantSerializer, **REFUSALS})
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
        responses={201: RecordSerializer, 400: OpenApiResponse(ProblemSerializer, description="Invalid record."), **REFUSALS},
    )
    def post(self, request):
        serializer = RecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        writable = {WRITE_SCOPE_CATEGORY[scope] for scope in request.usable_scopes if scope in WRITE_SCOPE_CATEGORY}
        category = serializer.validated_data.get("category") or sorted(writable)[0]
        if category not in writable:
            raise exceptions.ValidationError({"category": [f"Your grant does not allow writing {category} records."]})
        data = serializer.validated_data["data"]
        now = timezone.now()
        with transaction.atomic():
            try:
                record = vault.add_record(
                    request.auth.user,
                    category=category,
                    data=data,
                    written_by_grant=request.grant,
                    retain_until=now + serializer.validated_data["retention"],
                    now=now,
                )
            except vault.InvalidRecord as error:
                raise exceptions.ValidationError({"data": [str(error)]}) from None
            audit_log.record_access(
                request.grant, action="write", fields=sorted(data), outcome="ok", request_id=request.request_id
            )
        return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)


class NotFoundView(APIView):
    """Any other URL under /api/v1/: a problem details 404 rather than an HTML page."""

    authentication_classes = []
    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound("There is no such API endpoint; see /api/docs/.")
