"""The audit log (append-only, hash-chained), its signed checkpoints, verification runs and consent receipts.

Entries hold no foreign keys: grant, client and person are plain values (the
person only as a pseudonym), so nothing elsewhere can cascade-delete the record.
"""

import uuid

from django.db import models
from django.db.models import F, Q


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def chained(self):
        """Entries the sequencer has placed in the chain (seq, prev_hash and hash set): what is provable."""
        return self.filter(seq__isnull=False)

    def pending(self):
        """Entries recorded but not yet chained (a vendor access waits here for the sequencer, briefly)."""
        return self.filter(seq__isnull=True)

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def delete(self):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def update_or_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def select_for_update(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries are never locked for update")

    def _raw_delete(self, using):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One link of the chain: a grant event or a vendor read/write. Written only by ``audit.log``.

    A grant event is chained as it is recorded. A vendor access is recorded pending
    (seq, prev_hash and hash empty) and chained soon after by the sequencer
    (``audit.log.chain_pending``), which sets those three columns once; nothing
    else about an entry ever changes, and on PostgreSQL a trigger enforces that.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", "Grant event"
        ACCESS = "access", "Vendor access"

    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    version = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    event = models.CharField(max_length=32)
    at = models.DateTimeField()
    grant_id = models.UUIDField()
    client_pk = models.PositiveBigIntegerField()
    person = models.CharField(max_length=40)
    actor = models.CharField(max_length=60)
    fields = models.JSONField(default=list)
    outcome = models.CharField(max_length=16, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        # Chain order; entries still pending come after the chained ones, in the order they were recorded.
        ordering = [F("seq").asc(nulls_last=True), "id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The sequencer's queue: small (pending entries only), read oldest first.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_entry_pending"),
            models.Index(fields=["person", "at"], name="audit_entry_person_at"),
            models.Index(fields=["grant_id", "at"], name="audit_entry_grant_at"),
            models.Index(fields=["client_pk", "at"], name="audit_entry_client_at"),
            models.Index(fields=["at"], name="audit_entry_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["grant", "access"]), name="audit_entry_kind_known"),
        ]

    def __str__(self):
        place = self.seq if self.seq is not None else f"(pending, id {self.pk})"
        return f"audit entry {place}: {self.kind} {self.event}"

    def save(self, *args, **kwargs):
        # A guard, not a side effect: an entry is written once, by an insert.
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class Checkpoint(models.Model):
    """A signed statement of the chain's size and head hash at a time."""

    size = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["-size", "-signed_at"]
        indexes = [models.Index(fields=["-signed_at"], name="audit_checkpoint_signed_at")]

    def __str__(self):
        return f"checkpoint at {self.size} ({self.signed_at:%Y-%m-%d %H:%M})"


class VerificationRun(models.Model):
    """The outcome of one full verification of the chain: what the auditor's status line shows."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    size = models.PositiveBigIntegerField()
    verified_size = models.PositiveBigIntegerField()
    verified_head_at = models.DateTimeField(null=True, blank=True)
    checkpoints_checked = models.PositiveIntegerField()
    problem_seq = models.PositiveBigIntegerField(null=True, blank=True)
    problem_kind = models.CharField(max_length=32, blank=True)
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["-finished_at"], name="audit_verification_finished")]

    def __str__(self):
        state = "verified" if self.ok else "FAILED"
        return f"{state} up to entry {self.verified_size} at {self.finished_at:%Y-%m-%d %H:%M}"


class Receipt(models.Model):
    """A signed consent receipt for one state of a grant (a new one for every change)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    grant_id = models.UUIDField()
    client_pk = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField()
    event = models.CharField(max_length=32)
    status = models.CharField(max_length=16)
    issued_at = models.DateTimeField()
    entry_seq = models.PositiveBigIntegerField()
    payload = models.JSONField()
    jws = models.TextField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["grant_id", "version"], name="one_receipt_per_grant_version"),
        ]
        indexes = [models.Index(fields=["grant_id", "-version"], name="audit_receipt_grant_version")]

    def __str__(self):
        return f"receipt {self.id} (grant {self.grant_id} v{self.version})"

    def document(self):
        """What a person downloads and a verifier reads: the readable receipt beside its signed form."""
        return {"receipt": self.payload, "jws": self.jws}
