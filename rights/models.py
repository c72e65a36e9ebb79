"""Rights requests: a person's request to a vendor under a law's clock, and the notices it gives them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from rights import clocks


class RightsRequest(models.Model):
    """A request to the vendor behind a grant's client. State changes go through ``rights/services.py``.

    ``deadline_at`` is the deadline now in force: ``due_at``, or ``extended_until`` once validly extended.
    An access answer is kept only sealed under the person's data key (``sealed_answer``).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        EXTENDED = "extended", "Extended"
        REFUSED = "refused", "Refused"
        OVERDUE = "overdue", "Overdue"

    PENDING_STATUSES = (Status.OPEN, Status.EXTENDED, Status.OVERDUE)
    CLOSED_STATUSES = (Status.ANSWERED, Status.REFUSED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rights_requests")
    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="rights_requests"
    )
    grant = models.ForeignKey("consents.Grant", on_delete=models.CASCADE, related_name="rights_requests")
    kind = models.CharField(max_length=24, choices=list(clocks.KINDS.items()))
    jurisdiction = models.CharField(max_length=8, choices=[(code, j.name) for code, j in clocks.JURISDICTIONS.items()])
    legal_basis = models.CharField(max_length=200)
    # What the person wrote to the vendor (free text: never in the audit log).
    details = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    filed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    extended_until = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField()
    # The vendor's reason for an extension or a refusal (free text: never in the audit log).
    vendor_reason = models.TextField(max_length=2000, blank=True)
    sealed_answer = models.BinaryField(null=True, blank=True)
    answer_size = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The deadline the vendor was last reminded of (a new one after an extension earns a new reminder).
    reminded_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "answered", "extended", "refused", "overdue"]),
                name="rights_request_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"], name="rights_request_client"),
            models.Index(fields=["status", "deadline_at"], name="rights_request_clock_sweep"),
            models.Index(fields=["person", "filed_at"], name="rights_request_person"),
        ]

    def __str__(self):
        return f"{self.kind} request {self.id} ({self.status})"

    @property
    def is_closed(self):
        return self.status in self.CLOSED_STATUSES

    @property
    def answered_on_time(self):
        return self.closed_at is not None and self.closed_at <= self.deadline_at

    @property
    def answer_context(self):
        """What the sealed answer is bound to: this request, so a copy in another row fails to open."""
        return f"rights-answer:{self.id}"


class PersonJurisdiction(models.Model):
    """The jurisdiction whose law a person's requests invoke; without a row, VRM_JURISDICTION."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="rights_jurisdiction"
    )
    jurisdiction = models.CharField(max_length=8, choices=[(code, j.name) for code, j in clocks.JURISDICTIONS.items()])

    def __str__(self):
        return f"{self.jurisdiction} for person {self.person_id}"


class RightsNotice(models.Model):
    """Something the person is told about their request (answered, extended, refused, overdue), once each."""

    class Event(models.TextChoices):
        ANSWERED = "answered", "answered"
        EXTENDED = "extended", "extended"
        REFUSED = "refused", "refused"
        OVERDUE = "overdue", "overdue"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rights_notices")
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(max_length=16, choices=Event.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "event"], name="one_rights_notice_per_event")]
        indexes = [models.Index(fields=["person", "created_at"], name="rights_notice_person")]

    def __str__(self):
        return f"{self.event} notice for {self.request_id}"
