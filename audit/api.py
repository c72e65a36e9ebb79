"""The receipts API (vendors: their own grant's receipts; anyone: verify one) and the auditor's API.

Auditor endpoints need a client-credentials token with the ``audit:read``
scope of an auditor's client; lists are cursor-paginated, newest first.
"""

from django import forms
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors
from audit.checkpoints import checkpoint_record
from audit.exports import log_export_lines
from audit.forms import EntryFilterForm, GrantFilterForm
from audit.permissions import AuditorToken
from audit.receipts import verify_receipt_document
from audit.serializers import (
    AuditGrantSerializer,
    ChainStatusSerializer,
    CheckpointSerializer,
    EntrySerializer,
    ReceiptDocumentSerializer,
    VerifiedReceiptSerializer,
    VerifyReceiptInputSerializer,
)
from consents import selectors as consents_selectors
from vendors.api.authentication import BearerTokenAuthentication
from vendors.api.permissions import GrantPermission
from vendors.api.schema import refusals
from vendors.api.serializers import ProblemSerializer


class ReceiptListView(APIView):
    """The receipts of the grant this token was issued under, newest first (while the grant is active)."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [GrantPermission]

    @extend_schema(operation_id="list_receipts", responses={200: ReceiptDocumentSerializer(many=True),
                                                            **refusals(401, "403-no-scope")})
    def get(self, request):
        receipts = selectors.receipts_for_grant(request.grant)
        return Response([{"id": str(r.id), **r.document()} for r in receipts])


class ReceiptView(APIView):
    """One receipt of the token's grant (readable receipt and its JWS)."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [GrantPermission]

    @extend_schema(operation_id="get_receipt", responses={200: ReceiptDocumentSerializer,
                                                          **refusals(401, "403-no-scope")})
    def get(self, request, receipt_id):
        receipt = selectors.receipt_of_grant(request.grant.pk, receipt_id)
        if receipt is None:
            raise exceptions.NotFound("No receipt with this id under your grant.")
        return Response({"id": str(receipt.id), **receipt.document()})


class VerifyReceiptView(APIView):
    """Check that this server signed a receipt; no token needed."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="verify_receipt", request=VerifyReceiptInputSerializer,
        responses={200: VerifiedReceiptSerializer, **refusals(400),
                   422: OpenApiResponse(ProblemSerializer, description="Not a genuine receipt (`receipt-not-verified`).")},
    )
    def post(self, request):
        serializer = VerifyReceiptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload, kid = verify_receipt_document(serializer.validated_data["receipt"])  # ReceiptNotVerified: a 422
        return Response({"valid": True, "kid": kid, "receipt": payload})


class NewestFirst(CursorPagination):
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def decode_cursor(self, request):
        """A cursor that was not handed out by us is a bad query parameter (400), not a missing page."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None


class EntryCursor(NewestFirst):
    ordering = "-seq"


class GrantCursor(NewestFirst):
    ordering = ("-created_at", "-id")


class OverdueCursor(NewestFirst):
    ordering = ("retention_ends_at", "id")


class CheckpointCursor(NewestFirst):
    ordering = ("-size", "-signed_at")


def filter_parameters(form_class):
    """The filter form's fields as OpenAPI query parameters, so the schema documents what the API accepts."""
    form = form_class()
    parameters = []
    for name, field in form.fields.items():
        kind, enum, pattern = OpenApiTypes.STR, None, None
        if isinstance(field, forms.ModelChoiceField):
            kind = OpenApiTypes.INT
        elif isinstance(field, forms.ChoiceField):
            enum = [value for value, _ in field.choices if value]
        elif isinstance(field, forms.DateTimeField):
            kind = OpenApiTypes.DATETIME
        elif isinstance(field, forms.UUIDField):
            kind = OpenApiTypes.UUID
        elif isinstance(field, forms.RegexField):
            pattern = field.regex.pattern
        description = " ".join(str(text) for text in (field.label or name.capitalize(), field.help_text) if text)
        parameters.append(OpenApiParameter(name, kind, description=description, enum=enum, pattern=pattern))
    return parameters


class AuditAPIView(GenericAPIView):
    """Auditor endpoints; list views set pagination_class, so the schema shows their cursor pages."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [AuditorToken]
    pagination_class = None

    def filters(self, form_class):
        """The portal's filter form applied to the query string; bad filters are a 400 naming each field."""
        form = form_class(self.request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {field: [error["message"] for error in errors] for field, errors in form.errors.get_json_data().items()}
            )
        return form.cleaned_data


class AuditEntriesView(AuditAPIView):
    """Log entries across all persons and vendors (persons by pseudonym), with the portal's filters."""

    pagination_class = EntryCursor

    @extend_schema(
        operation_id="audit_entries", parameters=filter_parameters(EntryFilterForm),
        responses={200: EntrySerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.entries_for_audit(self.filters(EntryFilterForm)))
        return self.get_paginated_response(selectors.describe_entries(page))


class AuditGrantsView(AuditAPIView):
    """Grants across all persons and vendors, filtered by vendor, status, purpose and creation time."""

    pagination_class = GrantCursor

    @extend_schema(
        operation_id="audit_grants", parameters=filter_parameters(GrantFilterForm),
        responses={200: AuditGrantSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(consents_selectors.grants_for_audit(self.filters(GrantFilterForm)))
        return self.get_paginated_response([selectors.describe_grant(g) for g in page])


class AuditOverdueView(AuditAPIView):
    """Grants whose retention ended without a deletion confirmation."""

    pagination_class = OverdueCursor

    @extend_schema(operation_id="audit_overdue_deletions", responses={200: AuditGrantSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(consents_selectors.overdue_deletions())
        return self.get_paginated_response([selectors.describe_grant(g) for g in page])


class AuditCheckpointsView(AuditAPIView):
    """Signed checkpoints of the chain head, largest first."""

    pagination_class = CheckpointCursor

    @extend_schema(operation_id="audit_checkpoints", responses={200: CheckpointSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.checkpoints())
        return self.get_paginated_response([checkpoint_record(c) for c in page])


class AuditStatusView(AuditAPIView):
    """The last verification run ("verified up to entry N at time T") and the latest checkpoint."""

    @extend_schema(operation_id="audit_status", responses={200: ChainStatusSerializer})
    def get(self, request):
        status = selectors.chain_status()
        run, checkpoint = status.run, status.checkpoint
        return Response({
            "verified": run.ok if run else None,
            "verified_size": run.verified_size if run else None,
            "verified_head_at": run.verified_head_at if run else None,
            "checked_at": run.finished_at if run else None,
            "problem": (run.problem or None) if run else None,
            "problem_seq": run.problem_seq if run else None,
            "latest_checkpoint": checkpoint_record(checkpoint) if checkpoint else None,
            "overdue_deletions": consents_selectors.overdue_deletions().count(),
            "pending_entries": status.pending,
            "oldest_pending_at": status.oldest_pending_at,
        })


class AuditLogExportView(AuditAPIView):
    """The whole log with its checkpoints as JSON lines, for audit/standalone_verify.py."""

    @extend_schema(operation_id="audit_log_export", responses={(200, "application/x-ndjson"): str})
    def get(self, request):
        response = StreamingHttpResponse(log_export_lines(), content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.jsonl"'
        return response
