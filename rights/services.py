"""Rights requests: filing, the vendor's response (answer, extension, refusal), and the clocks' sweep.

Each function is one transaction. Every state change appends an audit event of the request's grant that
carries codes, ids and dates only: the person's details and the vendor's reasons stay in the request row,
and an access answer is stored only sealed under the person's data key.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit import log as audit_log
from audit.selectors import isoformat_or_none
from rights import clocks
from rights.exceptions import (
    AttachmentTooLarge,
    ExtensionNotAllowed,
    InvalidResponse,
    NoSuchRight,
    RequestClosed,
)
from rights.models import PersonJurisdiction, RightsNotice, RightsRequest
from vendors.models import WebhookDelivery, WebhookEndpoint
from vendors.webhooks import DELIVER_TASK
from vrm import vault
from vrm.celery import enqueue_after_commit

ANSWERED, EXTENDED, REFUSED = "answered", "extended", "refused"
OUTCOMES = (ANSWERED, EXTENDED, REFUSED)
SWEEP_BATCH = 500



def jurisdiction_of(person):
    """The person's jurisdiction: their own choice, else VRM_JURISDICTION."""
    chosen = PersonJurisdiction.objects.filter(person=person).values_list("jurisdiction", flat=True).first()
    return chosen or settings.VRM_JURISDICTION


def set_jurisdiction(person, jurisdiction):
    """Record the jurisdiction whose law the person's future requests invoke; raises NoSuchRight if unknown."""
    if jurisdiction not in clocks.JURISDICTIONS:
        raise NoSuchRight(f"unknown jurisdiction {jurisdiction!r}")
    PersonJurisdiction.objects.update_or_create(person=person, defaults={"jurisdiction": jurisdiction})


def _audit(request, event, *, actor=None, now):
    audit_log.record_grant_event(
        request.grant, event, actor=actor, now=now,
        detail={
            "rights_request": str(request.id),
            "rights_kind": request.kind,
            "rights_jurisdiction": request.jurisdiction,
            "rights_status": request.status,
            "rights_deadline_at": isoformat_or_none(request.deadline_at),
        },
    )


def _notify_person(request, event, now):
    """One notice per (request, event): a second call for the same event adds nothing."""
    RightsNotice.objects.get_or_create(
        request=request, event=event, defaults={"person_id": request.person_id, "created_at": now}
    )


def webhook_payload(request, event, now):
    return {
        "event": event,
        "occurred_at": now.isoformat(),
        "rights_request": {
            "id": str(request.id),
            "grant_id": str(request.grant_id),
            "kind": request.kind,
            "jurisdiction": request.jurisdiction,
            "legal_basis": request.legal_basis,
            "status": request.status,
            "filed_at": isoformat_or_none(request.filed_at),
            "due_at": isoformat_or_none(request.due_at),
            "deadline_at": isoformat_or_none(request.deadline_at),
        },
    }


def _notify_vendor(request, event, now):
    """Queue a signed webhook in the vendor's outbox (vendors.webhooks signs and delivers it), after commit."""
    if not WebhookEndpoint.objects.filter(client_id=request.client_id).exists():
        return None
    delivery = WebhookDelivery.objects.create(
        client_id=request.client_id, event=event, payload=webhook_payload(request, event, now),
        created_at=now, next_attempt_at=now,
    )
    enqueue_after_commit(DELIVER_TASK, (str(delivery.pk),))  # the outbox row and the redelivery sweep cover an outage
    return delivery


def file_request(person, grant, *, kind, jurisdiction=None, details="", now=None):
    """File a rights request of `kind` with the vendor behind `grant` (live or ended) and start its clock.

    The deadline follows the person's jurisdiction (or `jurisdiction`, which becomes theirs). Raises
    NoSuchRight when that law gives no such right. Audited (`rights_filed`); webhook rights_request.created.
    """
    now = now or timezone.now()
    if grant.person_id != person.pk:
        raise NoSuchRight("this grant is not yours")
    jurisdiction = jurisdiction or jurisdiction_of(person)
    clock = clocks.clock_for(jurisdiction, kind)
    due_at = clocks.deadline(jurisdiction, kind, now)
    with transaction.atomic():
        if jurisdiction != jurisdiction_of(person):
            set_jurisdiction(person, jurisdiction)
        request = RightsRequest.objects.create(
            person=person, client_id=grant.client_id, grant=grant, kind=kind, jurisdiction=jurisdiction,
            legal_basis=clock.basis, details=details[:2000], filed_at=now, due_at=due_at, deadline_at=due_at,
        )
        _audit(request, "rights_filed", actor=person, now=now)
        _notify_vendor(request, "rights_request.created", now)
    return request


def _encoded_attachment(attachment):
    try:
        encoded = json.dumps(attachment, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError):
        raise InvalidResponse("The attachment must be JSON.") from None
    limit = settings.VRM_RIGHTS_MAX_ATTACHMENT_BYTES
    if len(encoded) > limit:
        raise AttachmentTooLarge(f"The attachment is {len(encoded)} bytes of JSON; at most {limit} are accepted.")
    return encoded


def respond(request_id, *, client, outcome, reason="", attachment=None, now=None):
    """The vendor's response to one of its client's requests: answered (with a JSON attachment for an access
    request, sealed in the person's vault), extended with a reason, or refused with a reason.

    Raises RightsRequest.DoesNotExist for another client's or an unknown request, RequestClosed after an answer
    or refusal, ExtensionNotAllowed, InvalidResponse / AttachmentTooLarge; nothing changes on any of them.
    Returns the request.
    """
    now = now or timezone.now()
    if outcome not in OUTCOMES:
        raise InvalidResponse(f"outcome must be one of {', '.join(OUTCOMES)}.")
    reason = (reason or "").strip()
    if outcome in (EXTENDED, REFUSED) and not reason:
        raise InvalidResponse("An extension or a refusal must give the reason.")
    if len(reason) > 2000:
        raise InvalidResponse("Keep the reason under 2000 characters.")
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().select_related("grant", "person").get(
            pk=request_id, client=client
        )
        if request.is_closed:
            raise RequestClosed(f"This request was {request.status} already; nothing more can be said to it.")
        if attachment is not None and (outcome != ANSWERED or request.kind != clocks.ACCESS):
            raise InvalidResponse("Only the answer to an access request carries an attachment.")
        if outcome == ANSWERED and request.kind == clocks.ACCESS and attachment is None:
            raise InvalidResponse("The answer to an access request must attach what you hold, as JSON.")
        if outcome == EXTENDED:
            _extend(request, reason, now)
        else:
            if attachment is not None:
                encoded = _encoded_attachment(attachment)
                request.sealed_answer = vault.seal_for_person(request.person, encoded, context=request.answer_context)
                request.answer_size = len(encoded)
            request.status = RightsRequest.Status.ANSWERED if outcome == ANSWERED else RightsRequest.Status.REFUSED
            request.vendor_reason = reason
            request.closed_at = now
            request.save()
        _audit(request, f"rights_{outcome}", now=now)
        _notify_person(request, outcome, now)
    return request


def _extend(request, reason, now):
    clock = clocks.clock_for(request.jurisdiction, request.kind)
    if not clock.extendable:
        raise ExtensionNotAllowed(f"{request.legal_basis} allows no extension.")
    if request.extended_until is not None:
        raise ExtensionNotAllowed("This request was extended already; the law allows one extension.")
    if now >= request.due_at:
        raise ExtensionNotAllowed("The deadline has passed; an extension must be given before it.")
    request.extended_until = clocks.deadline(request.jurisdiction, request.kind, request.filed_at, extended=True)
    request.deadline_at = request.extended_until
    request.status = RightsRequest.Status.EXTENDED
    request.vendor_reason = reason
    request.save()


def remind_vendors(*, now=None, batch_size=SWEEP_BATCH):
    """Send rights_request.due_soon to the vendor of each pending request within VRM_RIGHTS_REMINDER_DAYS of
    its deadline, once per deadline (audited `rights_reminded`). Returns how many; safe to run twice."""
    now = now or timezone.now()
    window = timedelta(days=settings.VRM_RIGHTS_REMINDER_DAYS)
    count = 0
    with transaction.atomic():
        due = (
            RightsRequest.objects.select_for_update()
            .select_related("grant")
            .filter(status__in=[RightsRequest.Status.OPEN, RightsRequest.Status.EXTENDED],
                    deadline_at__gt=now, deadline_at__lte=now + window)
            .filter(Q(reminded_for__isnull=True) | Q(reminded_for__lt=F("deadline_at")))
            .order_by("deadline_at")[:batch_size]
        )
        for request in due:
            request.reminded_for = request.deadline_at
            request.save(update_fields=["reminded_for"])
            _audit(request, "rights_reminded", now=now)
            _notify_vendor(request, "rights_request.due_soon", now)
            count += 1
    return count


def mark_overdue(*, now=None, batch_size=SWEEP_BATCH):
    """Flag pending requests whose deadline in force (a valid extension counts) has passed: status overdue,
    audited `rights_overdue`, the person notified, webhook rights_request.overdue. Returns how many; safe to
    run twice (a request is flagged once)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            RightsRequest.objects.select_for_update()
            .select_related("grant")
            .filter(status__in=[RightsRequest.Status.OPEN, RightsRequest.Status.EXTENDED], deadline_at__lte=now)
            .order_by("deadline_at")[:batch_size]
        )
        for request in due:
            request.status = RightsRequest.Status.OVERDUE
            request.overdue_at = now
            request.save(update_fields=["status", "overdue_at"])
            _audit(request, "rights_overdue", now=now)
            _notify_person(request, RightsNotice.Event.OVERDUE, now)
            _notify_vendor(request, "rights_request.overdue", now)
    return len(due)


def run_clocks(*, now=None):
    """The sweep beat runs: reminders, then overdue flags. Returns the counts."""
    now = now or timezone.now()
    return {"reminded": remind_vendors(now=now), "overdue": mark_overdue(now=now)}


def open_answer(request):
    """The access answer's JSON bytes, opened with the person's data key for the response that sends them."""
    if request.sealed_answer is None:
        raise RequestClosed("This request has no attachment.")
    return vault.open_for_person(request.person, bytes(request.sealed_answer), context=request.answer_context)
