"""The consent artefact: a person's grant to one OAuth client, scoped, purpose-bound and time-bound."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Grant(models.Model):
    """A person's grant to one vendor client.

    State changes go through the functions in ``consents/grants.py``; this model
    only holds the state and answers questions about it.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    class Purpose(models.TextChoices):
        # Purpose codes after ISO/IEC TS 27560 and the W3C DPV purpose taxonomy.
        SERVICE_PROVISION = "service_provision", "Providing a service you asked for"
        ACCOUNT_MANAGEMENT = "account_management", "Managing your customer account"
        DELIVERY = "delivery", "Delivering goods to you"
        PERSONALISATION = "personalisation", "Personalising offers and content"
        MARKETING = "marketing", "Marketing to you"
        RESEARCH = "research", "Research and statistics"
        LEGAL_OBLIGATION = "legal_obligation", "Meeting a legal obligation"
        FRAUD_PREVENTION = "fraud_prevention", "Preventing fraud"

    LIVE_STATUSES = (Status.ACTIVE, Status.PAUSED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="consent_grants"
    )
    # What the vendor asked for, and what the person allowed (never more than asked).
    requested_scopes = models.JSONField(default=list)
    scopes = models.JSONField(default=list)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    purpose_text = models.TextField(max_length=1000, blank=True)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Data life: how long the vendor may keep what it read after the grant ends.
    retention = models.DurationField()
    max_reads_per_day = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    paused_until = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    retention_ends_at = models.DateTimeField(null=True, blank=True)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set when a deletion request went unconfirmed past its grace period (shown to the person and auditors).
    deletion_overdue_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("starts_at")), name="grant_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "revoked", "expired"]), name="grant_status_known"
            ),
            # One live grant per person and client: asking again changes that grant.
            models.UniqueConstraint(
                fields=["person", "client"],
                condition=Q(status__in=["active", "paused"]),
                name="one_live_grant_per_person_and_client",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="grant_expiry_sweep"),
            # The expiry sweep's batches in expires_at order straight from the index: with two live statuses the
            # (status, expires_at) index cannot give that order, and sorting every due grant per batch grows with N.
            models.Index(fields=["expires_at"], condition=Q(status__in=["active", "paused"]), name="grant_live_expiry"),
            models.Index(fields=["status", "paused_until"], name="grant_resume_sweep"),
            models.Index(fields=["retention_ends_at", "deletion_confirmed_at"], name="grant_retention_sweep"),
            models.Index(fields=["person", "status"], name="grant_person_status"),
            models.Index(fields=["deletion_requested_at", "deletion_confirmed_at"], name="grant_deletion_sweep"),
        ]

    def __str__(self):
        return f"grant {self.id} ({self.status})"

    def is_active_at(self, now):
        return self.status == self.Status.ACTIVE and self.starts_at <= now < self.expires_at


class GrantReason(models.Model):
    """What the person typed as the reason for a change to their grant, beside the audit entry it explains.

    The append-only audit log outlives erasure, so its entry holds only a keyed hash of this text; the
    text itself lives here, is shown to the person with their history, and goes when the account is
    erased (consents.grants.end_all_grants_for_erasure) or the grant is deleted.
    """

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="reasons")
    entry_seq = models.PositiveBigIntegerField(unique=True)
    text = models.TextField(max_length=1000)

    def __str__(self):
        return f"reason for audit entry {self.entry_seq}"


class DailyReadCount(models.Model):
    """How many profile reads a grant with a daily limit served on one UTC day: one row, counted in the
    database, so the limit holds exactly across processes and machines whatever the cache."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="daily_read_counts")
    day = models.DateField()
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grant", "day"], name="one_read_count_per_grant_and_day")]

    def __str__(self):
        return f"{self.reads} reads of grant {self.grant_id} on {self.day}"
