"""Filing, answering, extending and refusing rights requests, and the clocks' sweep (in process)."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from audit.models import AuditEntry
from rights import services
from rights.exceptions import AttachmentTooLarge, ExtensionNotAllowed, InvalidResponse, NoSuchRight, RequestClosed
from rights.models import RightsNotice, RightsRequest
from tests.factories import make_client, make_grant
from tests.rights.helpers import FILED_AT, file
from vendors.models import WebhookDelivery
from vendors import webhooks

pytestmark = pytest.mark.django_db


def rights_events(request):
    return [
        (entry.event, entry.detail["rights_status"], entry.reason)
        for entry in AuditEntry.objects.filter(event__startswith="rights_", detail__rights_request=str(request.pk))
    ]


def state(request):
    return RightsRequest.objects.filter(pk=request.pk).values().get()


def test_filing_starts_the_jurisdictions_clock_and_audits_codes_only(person):
    request = file(person, jurisdiction="EU", details="Please send my order history")

    assert request.status == "open" and request.legal_basis == "GDPR art. 15"
    assert request.due_at == datetime(2026, 4, 3, tzinfo=timezone.utc)  # end of Thursday 2 April
    assert request.deadline_at == request.due_at
    assert rights_events(request) == [("rights_filed", "open", "")]
    entry = AuditEntry.objects.get(event="rights_filed")
    assert "order history" not in json.dumps(entry.detail)
    assert services.jurisdiction_of(person) == "EU"


def test_a_person_without_a_choice_gets_the_servers_jurisdiction_and_a_new_choice_sticks(person, settings):
    settings.VRM_JURISDICTION = "BR"
    first = file(person, jurisdiction=None)
    second = file(person, jurisdiction="US-CA", kind="do_not_sell_or_share")

    assert (first.jurisdiction, first.due_at.date()) == ("BR", datetime(2026, 3, 18).date())
    assert second.legal_basis.startswith("CCPA")
    assert services.jurisdiction_of(person) == "US-CA"


def test_a_right_the_law_does_not_give_is_refused_and_nothing_is_filed(person):
    with pytest.raises(NoSuchRight):
        file(person, jurisdiction="US-CA", kind="objection")
    assert not RightsRequest.objects.exists()


def test_an_access_answer_is_stored_only_sealed_and_opens_for_the_person(person):
    request = file(person)
    answer = {"orders": [{"id": "A-1", "item": "Sextant of Ada"}]}

    services.respond(request.pk, client=request.client, outcome="answered", attachment=answer,
                     now=FILED_AT + timedelta(days=3))

    request.refresh_from_db()
    assert request.status == "answered" and request.answered_on_time
    assert b"Sextant" not in bytes(request.sealed_answer)
    assert json.loads(services.open_answer(request)) == answer
    assert rights_events(request)[-1] == ("rights_answered", "answered", "")
    assert "Sextant" not in json.dumps(list(AuditEntry.objects.values("detail", "reason")))
    assert list(RightsNotice.objects.values_list("event", flat=True)) == ["answered"]


def test_a_sealed_answer_copied_to_another_request_does_not_open(person):
    from vrm.crypto import DecryptionError

    first, second = file(person), file(person)
    services.respond(first.pk, client=first.client, outcome="answered", attachment={"a": 1})
    first.refresh_from_db()
    RightsRequest.objects.filter(pk=second.pk).update(sealed_answer=first.sealed_answer)
    second.refresh_from_db()

    with pytest.raises(DecryptionError):
        services.open_answer(second)


def test_an_extension_moves_the_deadline_once_and_keeps_its_reason_out_of_the_log(person):
    request = file(person)

    services.respond(request.pk, client=request.client, outcome="extended", reason="Archive on tape",
                     now=FILED_AT + timedelta(days=20))

    request.refresh_from_db()
    assert request.status == "extended" and request.vendor_reason == "Archive on tape"
    assert request.extended_until == datetime(2026, 6, 3, tzinfo=timezone.utc)  # end of Tuesday 2 June
    assert request.deadline_at == request.extended_until
    assert "Archive" not in json.dumps(list(AuditEntry.objects.values("detail", "reason")))
    with pytest.raises(ExtensionNotAllowed):
        services.respond(request.pk, client=request.client, outcome="extended", reason="again")


def test_an_extension_after_the_deadline_or_where_the_law_gives_none_is_refused(person):
    late = file(person)
    lgpd = file(person, jurisdiction="BR")

    with pytest.raises(ExtensionNotAllowed):
        services.respond(late.pk, client=late.client, outcome="extended", reason="busy", now=late.due_at)
    with pytest.raises(ExtensionNotAllowed):
        services.respond(lgpd.pk, client=lgpd.client, outcome="extended", reason="busy")
    assert [state(late)["status"], state(lgpd)["status"]] == ["open", "open"]


@pytest.mark.parametrize(
    "response, error",
    [
        ({"outcome": "refused"}, InvalidResponse),
        ({"outcome": "extended", "reason": "  "}, InvalidResponse),
        ({"outcome": "answered"}, InvalidResponse),  # an access answer without its attachment
        ({"outcome": "answered", "attachment": {"blob": "x" * 300_000}}, AttachmentTooLarge),
        ({"outcome": "shrugged"}, InvalidResponse),
    ],
)
def test_a_bad_response_changes_nothing(person, response, error):
    request = file(person)
    before = state(request)

    with pytest.raises(error):
        services.respond(request.pk, client=request.client, **response)

    assert state(request) == before
    assert rights_events(request) == [("rights_filed", "open", "")]


def test_another_clients_request_is_not_found_and_a_closed_one_takes_no_more(person):
    request = file(person)
    other_client, _ = make_client()
    with pytest.raises(RightsRequest.DoesNotExist):
        services.respond(request.pk, client=other_client, outcome="refused", reason="not ours")
    services.respond(request.pk, client=request.client, outcome="refused", reason="Identity not verified")
    closed = state(request)

    with pytest.raises(RequestClosed):
        services.respond(request.pk, client=request.client, outcome="answered", attachment={"a": 1})
    assert state(request) == closed


def test_the_sweep_flags_overdue_once_and_respects_a_valid_extension(person):
    plain, extended = file(person), file(person)
    services.respond(extended.pk, client=extended.client, outcome="extended", reason="volume",
                     now=FILED_AT + timedelta(days=1))
    after_due = plain.due_at + timedelta(hours=1)

    first = services.run_clocks(now=after_due)
    second = services.run_clocks(now=after_due + timedelta(minutes=5))

    assert (first["overdue"], second["overdue"]) == (1, 0)
    assert (state(plain)["status"], state(extended)["status"]) == ("overdue", "extended")
    assert [e for e in rights_events(plain) if e[0] == "rights_overdue"] == [("rights_overdue", "overdue", "")]
    assert RightsNotice.objects.filter(request=plain, event="overdue").count() == 1


def test_the_vendor_is_reminded_once_per_deadline_before_it(person):
    request = file(person)
    _ = webhooks.set_endpoint(request.client, "https://shop.example/hooks")
    soon = request.due_at - timedelta(days=3)

    counts = [services.remind_vendors(now=soon), services.remind_vendors(now=soon + timedelta(hours=1))]

    assert counts == [1, 0]
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["rights_request.due_soon"]
    assert [e[0] for e in rights_events(request)] == ["rights_filed", "rights_reminded"]


def test_filing_queues_a_signed_rights_request_created_webhook_with_no_free_text(person):
    grant = make_grant(person=person)
    webhooks.set_endpoint(grant.client, "https://shop.example/hooks")

    request = file(person, grant, details="my secret note")

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "rights_request.created"
    assert delivery.payload["rights_request"]["id"] == str(request.pk)
    assert "secret note" not in json.dumps(delivery.payload)
