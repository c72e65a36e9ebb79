import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from audit.chain import ROW_COLUMNS, entry_body_from_row, entry_hash
from audit.checkpoints import sign_checkpoint
from audit.log import record_access, record_grant_event
from audit.models import AuditEntry, Checkpoint, VerificationRun
from audit.verification import chained_entries, verify_chain
from tests.factories import GrantFactory, chain_audit_log
from tests.audit.tampering import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_of_five():
    grant = GrantFactory()
    with transaction.atomic():
        for number in range(1, 6):
            record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"req-{number}")
    chain_audit_log()
    return grant


def test_it_verifies_an_intact_log_and_its_checkpoints(log_of_five):
    sign_checkpoint()

    run = verify_chain()

    assert (run.ok, run.size, run.verified_size, run.checkpoints_checked) == (True, 5, 5, 1)
    assert run.verified_head_at == AuditEntry.objects.get(seq=5).at
    assert VerificationRun.objects.get() == run


def test_one_changed_byte_fails_and_names_that_entry(log_of_five):
    tamper("UPDATE audit_auditentry SET request_id = 'req-X' WHERE seq = 3")

    run = verify_chain()

    assert not run.ok
    assert (run.problem_seq, run.problem_kind, run.verified_size) == (3, "changed", 2)
    assert "entry 3" in run.problem


def test_a_removed_entry_is_named(log_of_five):
    tamper("DELETE FROM audit_auditentry WHERE seq = 3")

    run = verify_chain()

    assert (run.ok, run.problem_seq, run.problem_kind) == (False, 3, "removed")


def test_reordered_entries_are_named(log_of_five):
    tamper(
        "UPDATE audit_auditentry SET seq = 1000 WHERE seq = 2",
        "UPDATE audit_auditentry SET seq = 2 WHERE seq = 3",
        "UPDATE audit_auditentry SET seq = 3 WHERE seq = 1000",
    )

    run = verify_chain()

    assert (run.ok, run.problem_seq, run.problem_kind) == (False, 2, "reordered")


def test_entries_removed_from_the_end_are_caught_by_a_checkpoint(log_of_five):
    sign_checkpoint()
    tamper("DELETE FROM audit_auditentry WHERE seq >= 4")

    run = verify_chain()

    assert (run.ok, run.problem_seq, run.problem_kind, run.verified_size) == (False, 4, "removed", 3)


def test_an_entry_rewritten_with_a_fresh_hash_is_caught_by_the_checkpoint(log_of_five):
    sign_checkpoint()
    last = AuditEntry.objects.get(seq=5)
    _, _, body = entry_body_from_row(AuditEntry.objects.filter(seq=5).values_list(*ROW_COLUMNS).get())
    body["fields"] = ["email", "phone"]
    tamper(
        f"""UPDATE audit_auditentry SET fields = '["email", "phone"]', hash = '{entry_hash(body)}' WHERE seq = 5"""
    )

    run = verify_chain()

    assert last.hash != AuditEntry.objects.get(seq=5).hash
    assert (run.ok, run.problem_seq, run.problem_kind) == (False, 5, "rewritten")


def test_a_forged_checkpoint_signature_fails(log_of_five):
    checkpoint = sign_checkpoint()
    forged = "A" + checkpoint.signature[1:] if checkpoint.signature[0] != "A" else "B" + checkpoint.signature[1:]
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature=forged)

    run = verify_chain()

    assert (run.ok, run.problem_kind) == (False, "bad_checkpoint")


def test_the_command_prints_json_and_exits_nonzero_naming_the_changed_entry(log_of_five, capsys):
    tamper("UPDATE audit_auditentry SET outcome = 'refused' WHERE seq = 4")

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_log", "--json")

    report = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1
    assert report["ok"] is False
    assert report["problem"]["seq"] == 4 and report["problem"]["kind"] == "changed"
    assert report["verified_size"] == 3


def test_the_command_says_verified_for_an_intact_log(log_of_five, capsys):
    call_command("verify_audit_log")

    assert "Verified: entries 1 to 5 are intact" in capsys.readouterr().out


def test_the_streamed_bodies_are_exactly_what_audit_chain_builds_from_the_stored_row():
    """On PostgreSQL the verifier renders `at`, the grant id and the JSON columns in SQL; it must match byte for byte."""
    grant = GrantFactory()
    with transaction.atomic():
        record_access(grant, action="read", fields=["contact.email", "address.street"], outcome="ok",
                      request_id="req-ü", reason="Grüße, \"quoted\" \\ and a tab\t", now=timezone.now().replace(microsecond=0))
        record_access(grant, action="write", fields=["purchases"], outcome="refused", request_id="req-2",
                      now=timezone.now().replace(microsecond=7))
    chain_audit_log()
    grant.status = "paused"
    record_grant_event(grant, "paused", actor=grant.person, reason="holiday", detail={"nested": {"list": [1, "two"]}})

    streamed = list(chained_entries())
    built = [entry_body_from_row(row) for row in AuditEntry.objects.chained().order_by("seq").values_list(*ROW_COLUMNS)]

    assert len(streamed) == 3 and streamed == built
    assert all(entry_hash(body) == stored for _, stored, body in streamed)
