from rest_framework import serializers

from audit.pseudonyms import subject_for_grant
from consents.exceptions import InvalidTerms
from consents.models import Grant
from consents.terms import MAX_RETENTION, format_duration, parse_duration
from vrm.catalogue import WRITE_SCOPE_CATEGORY


class ProblemSerializer(serializers.Serializer):
    """RFC 7807 problem details, the body of every refusal."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Per-field messages, for invalid requests.")


class ProfileSerializer(serializers.Serializer):
    grant_id = serializers.UUIDField()
    scopes = serializers.ListField(child=serializers.CharField(), help_text="The read scopes this response covers.")
    profile = serializers.DictField(
        child=serializers.DictField(),
        help_text="category -> attribute key -> value, only for granted categories; purchases -> records -> list.",
    )


class GrantSerializer(serializers.ModelSerializer):
    client_id = serializers.CharField(source="client.client_id")
    subject = serializers.SerializerMethodField(
        help_text="The person's id as your organisation sees it: the same for all your clients and grants, "
        "different for every other vendor (a pairwise pseudonym)."
    )
    retention = serializers.SerializerMethodField(help_text="ISO 8601 duration you may keep data after the grant ends.")

    class Meta:
        model = Grant
        fields = [
            "id", "client_id", "subject", "scopes", "requested_scopes", "purpose", "purpose_text", "status",
            "starts_at", "expires_at", "paused_until", "retention", "retention_ends_at", "max_reads_per_day",
        ]

    def get_subject(self, grant) -> str:
        return subject_for_grant(grant)

    def get_retention(self, grant) -> str:
        return format_duration(grant.retention)


class RecordInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=sorted(set(WRITE_SCOPE_CATEGORY.values())),
        required=False,
        help_text="Defaults to the category of your write scope.",
    )
    data = serializers.DictField(help_text="The record, a JSON object (for example a purchase receipt).")
    retention = serializers.CharField(
        help_text="How long the person's vault keeps the record: ISO 8601 duration (P2Y, P365D) or days."
    )

    def validate_retention(self, value):
        try:
            retention = parse_duration(value, name="retention")
        except InvalidTerms as error:
            raise serializers.ValidationError(error.message) from None
        if retention.total_seconds() <= 0 or retention > MAX_RETENTION:
            raise serializers.ValidationError(f"retention must be longer than zero and at most {MAX_RETENTION.days} days.")
        return retention


class RecordSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    category = serializers.CharField()
    created_at = serializers.DateTimeField()
    retain_until = serializers.DateTimeField()
