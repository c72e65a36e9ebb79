"""The vendor's side of rights requests: list the client's open requests, respond to one.

The grant may have ended, so the vendor authenticates as its OAuth client (HTTP Basic, as the deletion
confirmation). Every refusal is a problem details body, and changes nothing.
"""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rights import selectors, services
from rights.models import RightsRequest
from vendors.api.deletion import AuthenticatedClient, ClientBasicAuthentication
from vendors.api.serializers import ProblemSerializer
from vrm.problems import problem
from vrm.vault import VaultErased

LIST_LIMIT = 500

# A response to a person who erased their account since: nothing can be stored for them any more.
PERSON_ERASED = "person-erased"

class RightsRequestOutput(serializers.ModelSerializer):
    grant_id = serializers.UUIDField()
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = RightsRequest
        fields = [
            "id", "grant_id", "kind", "jurisdiction", "legal_basis", "details", "status", "filed_at", "due_at",
            "extended_until", "deadline_at", "vendor_reason", "closed_at", "has_attachment",
        ]

    def get_has_attachment(self, request) -> bool:
        return request.sealed_answer is not None

class RightsRequestList(serializers.Serializer):
    rights_requests = RightsRequestOutput(many=True)

class ResponseInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=services.OUTCOMES)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, trim_whitespace=True)
    attachment = serializers.JSONField(
        required=False, help_text="For an access request answered: what you hold about the person, as JSON."
    )

class ClientAPIView(APIView):
    authentication_classes = [ClientBasicAuthentication]
    permission_classes = [AuthenticatedClient]

class RightsRequestListView(ClientAPIView):
    @extend_schema(
        operation_id="list_rights_requests",
        summary="Your client's rights requests still awaiting a response (open, extended or overdue)",
        responses={
            200: RightsRequestList,
            401: OpenApiResponse(ProblemSerializer, description="Client authentication failed."),
            429: OpenApiResponse(ProblemSerializer, description="Too many failed client authentications; see Retry-After."),
        },
    )
    def get(self, request):
        pending = selectors.open_requests_of_client(request.auth)[:LIST_LIMIT]
        return Response({"rights_requests": RightsRequestOutput(pending, many=True).data})

class RightsResponseView(ClientAPIView):
    @extend_schema(
        operation_id="respond_to_rights_request",
        summary="Answer, extend (with reason) or refuse (with reason) a rights request",
        request=ResponseInput,
        responses={
            200: RightsRequestOutput,
            400: OpenApiResponse(ProblemSerializer, description="Malformed response: outcome, reason or attachment."),
            401: OpenApiResponse(ProblemSerializer, description="Client authentication failed."),
            429: OpenApiResponse(ProblemSerializer, description="Too many failed client authentications; see Retry-After."),
            404: OpenApiResponse(ProblemSerializer, description="No such request of this client."),
            409: OpenApiResponse(ProblemSerializer, description="Already answered or refused, or no extension allowed."),
            413: OpenApiResponse(ProblemSerializer, description="Attachment over the size limit."),
        },
    )
    def post(self, request, request_id):
        serializer = ResponseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            rights_request = services.respond(
                request_id, client=request.auth, outcome=data["outcome"], reason=data.get("reason", ""),
                attachment=data.get("attachment"),
            )
        except ObjectDoesNotExist:
            raise exceptions.NotFound("Your client has no rights request with this id.") from None
        except VaultErased as error:
            return problem(request, PERSON_ERASED, error.message)
        return Response(RightsRequestOutput(rights_request).data)
