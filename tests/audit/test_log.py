from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import signing, standalone_verify
from audit.chain import GENESIS_HASH, ROW_COLUMNS, entry_body_from_row, entry_hash
from audit.log import (
    InvalidAuditEntry,
    field_for_log,
    reason_hash,
    record_access,
    record_grant_event,
)
from audit.models import AuditEntry, AuditLogIsAppendOnly, Receipt
from tests.factories import GrantFactory, chain_audit_log
from vrm.pseudonyms import pseudonym_for, subject_for_grant

pytestmark = pytest.mark.django_db


def stored_body(entry):
    row = AuditEntry.objects.filter(pk=entry.pk).values_list(*ROW_COLUMNS).get()
    return entry_body_from_row(row)


def test_it_records_a_read_with_keys_outcome_and_pseudonym_but_no_values():
    grant = GrantFactory()

    with transaction.atomic():
        entry = record_access(
            grant, action="read", fields=["contact.email", "contact.phone"], outcome="ok", request_id="req-1"
        )

    entry.refresh_from_db()
    assert (entry.seq, entry.hash, entry.kind, entry.event, entry.outcome) == (None, None, "access", "read", "ok")
    assert chain_audit_log() == 1
    entry.refresh_from_db()
    assert entry.seq == 1 and entry.prev_hash == GENESIS_HASH
    assert entry.fields == ["contact.email", "contact.phone"]
    assert entry.person == pseudonym_for(grant.person_id)
    assert entry.grant_id == grant.pk and entry.client_pk == grant.client_id
    assert entry.request_id == "req-1"
    assert grant.person.username not in str(stored_body(entry))


def test_it_chains_each_entry_to_the_one_before():
    grant = GrantFactory()

    with transaction.atomic():
        first = record_access(grant, action="read", fields=["email"], outcome="ok")
        second = record_access(grant, action="write", fields=["purchases"], outcome="refused")
    chain_audit_log()

    _, first_hash, first_body = stored_body(first)
    seq, second_hash, second_body = stored_body(second)
    assert first_body["prev"] == GENESIS_HASH and first_body["v"] == 1
    assert seq == 2 and second_body["prev"] == first_hash
    assert entry_hash(second_body) == second_hash


def test_it_issues_a_signed_receipt_for_an_event_that_changes_the_grant(settings):
    settings.SITE_URL = "https://vrm.example"
    grant = GrantFactory()

    with transaction.atomic():
        entry = record_grant_event(grant, "created", actor=grant.person)

    receipt = Receipt.objects.get(grant_id=grant.pk)
    payload, kid = standalone_verify.verify_receipt(receipt.jws, signing.public_keys())
    assert payload == receipt.payload and kid == signing.key_id()
    assert payload["record_id"] == str(grant.pk) and payload["record_version"] == 1
    assert payload["controller"]["name"] == grant.client.vendor.name
    assert payload["data_subject"] == {"id": subject_for_grant(grant), "id_type": "pairwise-pseudonym"}
    assert payload["status"] == "given" and payload["scopes"] == ["contact:read"]
    assert payload["data_categories"] == [{"code": "contact", "label": "Contact"}]
    assert payload["audit_entry"] == {"seq": entry.seq, "hash": entry.hash}
    assert entry.actor == f"person:{pseudonym_for(grant.person_id)}"


def test_it_issues_a_new_receipt_version_for_each_change():
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    grant.status = "revoked"
    grant.ended_at = timezone.now()
    grant.save()

    with transaction.atomic():
        record_grant_event(grant, "revoked", actor=grant.person, reason="moved away")

    latest = Receipt.objects.filter(grant_id=grant.pk).order_by("-version").first()
    assert latest.version == 2 and latest.payload["status"] == "withdrawn"


def test_it_issues_no_receipt_for_events_that_leave_terms_and_status_alone():
    grant = GrantFactory()

    with transaction.atomic():
        record_grant_event(grant, "deletion_confirmed", detail={"confirmed_by": "vendor"})

    assert AuditEntry.objects.get().actor == "system"
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda grant: record_access(grant, action="delete", fields=["email"], outcome="ok"),
        lambda grant: record_access(grant, action="read", fields=["email"], outcome="maybe"),
        lambda grant: record_access(grant, action="read", fields=[{"email": "a@b.c"}], outcome="ok"),
        lambda grant: record_grant_event(grant, "renamed"),
        lambda grant: record_grant_event(grant, "changed", detail={"ratio": 0.5}),
    ],
    ids=["unknown action", "unknown outcome", "a value instead of a key", "unknown event", "a float in detail"],
)
def test_it_refuses_a_bad_entry_and_writes_nothing(call):
    grant = GrantFactory()

    with pytest.raises(InvalidAuditEntry), transaction.atomic():
        call(grant)

    assert not AuditEntry.objects.exists() and not Receipt.objects.exists()


def test_an_entry_rolled_back_with_its_transaction_leaves_no_gap():
    grant = GrantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_access(grant, action="read", fields=["email"], outcome="ok")
        raise RuntimeError("the response failed")

    with transaction.atomic():
        entry = record_access(grant, action="read", fields=["email"], outcome="ok")
    chain_audit_log()

    entry.refresh_from_db()
    assert entry.seq == 1 and entry.prev_hash == GENESIS_HASH


def test_the_orm_refuses_to_change_or_delete_entries():
    grant = GrantFactory()
    with transaction.atomic():
        entry = record_access(grant, action="read", fields=["email"], outcome="ok")
    entry.outcome = "refused"

    for attempt in (
        entry.save,
        entry.delete,
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(outcome="refused"),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.bulk_update([entry], ["outcome"]),
    ):
        with pytest.raises(AuditLogIsAppendOnly):
            attempt()

    assert AuditEntry.objects.get().outcome == "ok"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_refuses_raw_update_and_delete_on_postgresql():
    grant = GrantFactory()
    with transaction.atomic():
        record_access(grant, action="read", fields=["email"], outcome="ok")

    for statement in ("UPDATE audit_auditentry SET outcome = 'refused'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)

    assert AuditEntry.objects.get().outcome == "ok"


def test_it_stores_the_time_it_is_given():
    grant = GrantFactory()
    moment = timezone.now() - timedelta(days=3)

    with transaction.atomic():
        entry = record_access(grant, action="read", fields=["email"], outcome="ok", now=moment)

    entry.refresh_from_db()
    assert entry.at == moment


def test_it_keeps_keys_outside_the_catalogue_as_keyed_hashes_and_catalogue_keys_as_they_are():
    grant = GrantFactory()

    with transaction.atomic():
        entry = record_access(
            grant, action="write", outcome="ok",
            fields=["card_4111111111111111", "contact.email", "identity.custom_my_diagnosis", "purchases.records"],
        )

    stored = str(stored_body(entry))
    assert "4111111111111111" not in stored and "diagnosis" not in stored
    assert sorted(AuditEntry.objects.get().fields) == sorted([
        field_for_log("card_4111111111111111"), "contact.email", field_for_log("identity.custom_my_diagnosis"),
        "purchases.records",
    ])
    assert field_for_log("identity.custom_my_diagnosis").startswith("identity.#")
    assert field_for_log("card_4111111111111111") != field_for_log("card_4111111111111112")


def test_a_persons_reason_and_a_vendors_purpose_text_reach_the_entry_only_as_keyed_hashes():
    grant = GrantFactory()

    with transaction.atomic():
        entry = record_grant_event(
            grant, "changed", actor=grant.person, reason="the person changed it", reason_text="I moved to Berlin",
            detail={"after": {"purpose_text": "sell to Berlin shops"}},
        )

    _, stored_hash, body = stored_body(entry)
    assert "Berlin" not in str(body) and entry_hash(body) == stored_hash
    assert body["reason"] == "the person changed it"
    assert body["detail"]["reason_text"] == reason_hash("I moved to Berlin")
    assert body["detail"]["after"]["purpose_text"].startswith("#")


def test_a_receipt_issued_before_pairwise_ids_still_verifies_and_says_what_it_said(client):
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    old = dict(Receipt.objects.get(grant_id=grant.pk).payload)
    old["data_subject"] = {"id": pseudonym_for(grant.person_id), "id_type": "pseudonym"}  # as receipts used to say
    document = {"receipt": old, "jws": signing.sign_jws(old)}

    answer = client.post("/api/v1/receipts/verify", {"receipt": document}, content_type="application/json")

    assert answer.status_code == 200 and answer.json()["valid"] is True
    assert answer.json()["receipt"]["data_subject"] == {"id": pseudonym_for(grant.person_id), "id_type": "pseudonym"}
