from rest_framework import serializers


class ReceiptDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The receipt's id (GET /api/v1/receipts/{id}).")
    receipt = serializers.JSONField(help_text="The readable receipt (the signed content).")
    jws = serializers.CharField(help_text="The receipt signed as a compact JWS (EdDSA).")


class VerifyReceiptInputSerializer(serializers.Serializer):
    receipt = serializers.JSONField(
        help_text="The downloaded receipt file's JSON object, or the compact JWS as a string."
    )

    def validate_receipt(self, value):
        import json

        if isinstance(value, dict):
            return json.dumps(value)
        if isinstance(value, str) and value.strip():
            return value
        raise serializers.ValidationError("Give the receipt file's JSON object or the compact JWS string.")


class VerifiedReceiptSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    kid = serializers.CharField()
    receipt = serializers.JSONField()


class EntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.CharField()
    kind = serializers.CharField()
    event = serializers.CharField()
    outcome = serializers.CharField()
    grant_id = serializers.CharField()
    vendor = serializers.CharField(allow_null=True)
    client_id = serializers.CharField()
    client_name = serializers.CharField()
    person = serializers.CharField(help_text="Pseudonymous person id")
    actor = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField(), help_text="Attribute keys (never values)")
    request_id = serializers.CharField()
    reason = serializers.CharField()
    detail = serializers.JSONField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()


class AuditGrantSerializer(serializers.Serializer):
    id = serializers.CharField()
    person = serializers.CharField(help_text="Pseudonymous person id")
    subject = serializers.CharField(help_text="The pairwise id the grant's vendor organisation sees for the person")
    vendor = serializers.CharField()
    client_id = serializers.CharField()
    client_name = serializers.CharField()
    status = serializers.CharField()
    purpose = serializers.CharField()
    purpose_text = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.CharField()
    expires_at = serializers.CharField()
    retention = serializers.CharField()
    max_reads_per_day = serializers.IntegerField(allow_null=True)
    ended_at = serializers.CharField(allow_null=True)
    retention_ends_at = serializers.CharField(allow_null=True)
    deletion_requested_at = serializers.CharField(allow_null=True)
    deletion_confirmed_at = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()


class CheckpointSerializer(serializers.Serializer):
    size = serializers.IntegerField()
    head = serializers.CharField()
    at = serializers.CharField()
    kid = serializers.CharField()
    signature = serializers.CharField()


class ChainStatusSerializer(serializers.Serializer):
    verified = serializers.BooleanField(allow_null=True)
    verified_size = serializers.IntegerField(allow_null=True)
    verified_head_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    problem = serializers.CharField(allow_null=True)
    problem_seq = serializers.IntegerField(allow_null=True)
    latest_checkpoint = CheckpointSerializer(allow_null=True)
    overdue_deletions = serializers.IntegerField()
    pending_entries = serializers.IntegerField(help_text="Vendor accesses recorded but not yet chained.")
    oldest_pending_at = serializers.DateTimeField(
        allow_null=True, help_text="When the oldest of them was recorded (normally under a second ago)."
    )
