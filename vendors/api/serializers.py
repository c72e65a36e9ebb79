from rest_framework import serializers

from consents.exceptions import InvalidTerms
from consents.models import Grant
from consents.terms import MAX_RETENTION, format_duration, parse_duration
from vrm.catalogue import WRITE_SCOPE_CATEGORY
from vrm.pseudonyms import subject_for_grant


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the body of every refusal; `type` is one of the documented problem types."""

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


class GrantSerializer(serializers.Serializer):
    """The grant as its vendor sees it; every field is always present (null where the model says so)."""

    id = serializers.UUIDField()
    client_id = serializers.CharField(source="client.client_id")
    subject = serializers.SerializerMethodField(
        help_text="The person's id as your organisation sees it: the same for all your clients and grants, "
        "different for every other vendor (a pairwise pseudonym)."
    )
    scopes = serializers.ListField(child=serializers.CharField(), help_text="What the person allowed (possibly "
                                   "narrowed since): the scopes your tokens can use.")
    requested_scopes = serializers.ListField(child=serializers.CharField(), help_text="What your client asked for.")
    purpose = serializers.ChoiceField(choices=Grant.Purpose.choices)
    purpose_text = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Grant.Status.choices)
    starts_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    paused_until = serializers.DateTimeField(allow_null=True, help_text="While paused: when it resumes, if set.")
    retention = serializers.SerializerMethodField(help_text="ISO 8601 duration you may keep data after the grant ends.")
    retention_ends_at = serializers.DateTimeField(allow_null=True, help_text="Once ended: when you must have deleted.")
    max_reads_per_day = serializers.IntegerField(allow_null=True, help_text="Profile reads allowed per UTC day.")

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
