"""Notices to a person (in the portal) and their e-mail digest subscription.

The top layer: it reads grants (consents) and the audit log (audit) and tells the person about them;
nothing below imports it.
"""

from django.conf import settings
from django.db import models


class Notice(models.Model):
    """One thing a person should know. `key` names the fact (a grant's end date, a deletion overdue, one
    digest period), so a sweep that runs twice finds the notice already there and adds nothing."""

    class Kind(models.TextChoices):
        GRANT_ENDING = "grant_ending", "A grant ends soon"
        DELETION_OVERDUE = "deletion_overdue", "A vendor has not confirmed deletion"
        READS = "reads", "What vendors read"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=120)
    grant = models.ForeignKey("consents.Grant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Reads: [{"vendor": name, "fields": [attribute keys], "count": n}]; catalogue keys only, never values.
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_notice_per_fact")]
        indexes = [models.Index(fields=["person", "dismissed_at", "-created_at"], name="notice_person_open")]

    def __str__(self):
        return f"{self.kind} for person {self.person_id}"


class DigestSubscription(models.Model):
    """Whether a person gets the e-mail digest, and up to when the last one reported."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest")
    email_enabled = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["last_sent_at"], name="digest_due")]

    def __str__(self):
        return f"digest of person {self.person_id} ({'on' if self.email_enabled else 'off'})"
