"""Vendor accesses recorded pending and chained by the sequencer (audit.log.chain_pending, run_audit_sequencer).

A read is one plain INSERT with seq, prev_hash and hash empty; the sequencer chains committed pending entries in
the order they were recorded, in batches, under the chain lock; a grant event chains what is pending first.
"""

import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audit import chain, log as audit_log, signing, standalone_verify
from audit.auditors import create_auditor
from audit.exports import log_export_lines
from audit.log import chain_pending, pending_summary, record_access, record_grant_event
from audit.models import AuditEntry, AuditLogIsAppendOnly, Checkpoint
from audit.tasks import chain_pending_entries, sign_checkpoint
from audit.verification import verify_chain
from consents.grants import revoke_grant
from tests.factories import GrantFactory, issue_token, make_grant
from tests.processes import child_database_env, wait_until
from vrm.settings import BASE_DIR

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="the append-only trigger exists on PostgreSQL only")
postgresql_snapshots = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="on SQLite an open write transaction makes the sequencer wait (tested below)"
)
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's one-writer-at-a-time behaviour")


def read(grant, number=0, **kwargs):
    return record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"r{number}", **kwargs)


def chain_in_seq_order():
    """(seq, event, request_id) of every chained entry, in seq order."""
    return list(AuditEntry.objects.chained().order_by("seq").values_list("seq", "event", "request_id"))


def recompute_chain():
    """Chain every chained entry again, one by one, from the genesis hash, ignoring the stored prev_hash;
    returns the hashes in seq order (what appending the same entries one at a time would have stored)."""
    hashes, prev = [], chain.GENESIS_HASH
    columns = audit_log.BODY_COLUMNS
    for values in AuditEntry.objects.chained().order_by("seq").values_list(*columns):
        prev = chain.entry_hash(chain.entry_body(**dict(zip(columns, values)), prev_hash=prev))
        hashes.append(prev)
    return hashes


def stored_hashes():
    return list(AuditEntry.objects.chained().order_by("seq").values_list("hash", flat=True))


def assert_whole_log_verifies(size):
    run = verify_chain()
    assert (run.ok, run.verified_size, run.size) == (True, size, size), run.problem
    offline = standalone_verify.verify_export(log_export_lines(), signing.public_keys())
    assert (offline.ok, offline.verified_size) == (True, size)
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, size + 1))
    assert stored_hashes() == recompute_chain()


# ---------------------------------------------------------------- chain_pending


def test_a_read_is_pending_until_the_sequencer_chains_it_after_the_head():
    grant = GrantFactory()
    with transaction.atomic():
        created = record_grant_event(grant, "created", actor=grant.person)

    entry = read(grant)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert list(AuditEntry.objects.pending()) == [stored]
    assert list(AuditEntry.objects.chained()) == [created]
    run = verify_chain()
    assert (run.ok, run.verified_size, run.size) == (True, 1, 1)
    assert json.loads(next(log_export_lines()))["size"] == 1

    assert chain_pending() == 1

    stored.refresh_from_db()
    assert stored.seq == created.seq + 1 == 2
    assert stored.prev_hash == created.hash and stored.hash not in (None, created.hash)
    assert not AuditEntry.objects.pending().exists()
    assert_whole_log_verifies(2)


def test_several_reads_are_chained_in_the_order_they_were_recorded():
    grant = GrantFactory()
    entries = [read(grant, number) for number in range(4)]

    assert chain_pending() == 4

    assert chain_in_seq_order() == [(n + 1, "read", f"r{n}") for n in range(4)]
    assert [e.pk for e in AuditEntry.objects.chained().order_by("seq")] == [e.pk for e in entries]
    assert_whole_log_verifies(4)


def test_reads_recorded_before_a_grant_event_are_chained_before_it():
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    for number in range(3):
        read(grant, number)

    revoke_grant(grant, actor=grant.person, reason="enough")

    assert not AuditEntry.objects.pending().exists()
    assert chain_in_seq_order() == [
        (1, "created", ""), (2, "read", "r0"), (3, "read", "r1"), (4, "read", "r2"), (5, "revoked", ""),
    ]
    assert_whole_log_verifies(5)


def test_a_grant_event_recorded_directly_also_chains_what_is_pending_first():
    grant = GrantFactory()
    read(grant, 0)
    read(grant, 1)

    with transaction.atomic():
        event = record_grant_event(grant, "paused", actor=grant.person)

    assert event.seq == 3
    assert chain_in_seq_order() == [(1, "read", "r0"), (2, "read", "r1"), (3, "paused", "")]
    assert chain_pending() == 0
    assert_whole_log_verifies(3)


def test_chain_pending_works_in_batches_and_a_second_call_finds_nothing():
    grant = GrantFactory()
    for number in range(5):
        read(grant, number)

    with mock.patch.object(audit_log, "_lock_and_read_head", wraps=audit_log._lock_and_read_head) as lock:
        assert chain_pending(batch=2) == 5
    assert lock.call_count == 3  # 2 + 2 + 1: one transaction (one lock) per batch

    assert chain_pending(batch=2) == 0
    assert chain_in_seq_order() == [(n + 1, "read", f"r{n}") for n in range(5)]
    assert_whole_log_verifies(5)


def test_a_batch_that_fills_exactly_is_followed_by_an_empty_one():
    grant = GrantFactory()
    for number in range(4):
        read(grant, number)

    assert chain_pending(batch=2) == 4
    assert not AuditEntry.objects.pending().exists()
    assert_whole_log_verifies(4)


@pytest.mark.parametrize("batch", [0, -1])
def test_a_batch_below_one_is_refused_and_changes_nothing(batch):
    grant = GrantFactory()
    for number in range(3):
        read(grant, number)

    with pytest.raises(ValueError):
        chain_pending(batch=batch)

    assert AuditEntry.objects.pending().count() == 3
    assert not AuditEntry.objects.chained().exists()


def test_pending_summary_counts_pending_entries_and_names_the_oldest():
    grant = GrantFactory()
    assert pending_summary() == (0, None)
    oldest = timezone.now() - timedelta(seconds=5)
    read(grant, 0, now=oldest)
    read(grant, 1)
    read(grant, 2)

    assert pending_summary() == (3, oldest)
    chain_pending()
    assert pending_summary() == (0, None)


def test_the_beat_tasks_chain_pending_entries_and_sign_a_checkpoint_that_covers_them():
    grant = GrantFactory()
    read(grant, 0)
    read(grant, 1)
    assert chain_pending_entries() == 2

    read(grant, 2)
    assert sign_checkpoint() == 3
    assert Checkpoint.objects.get().size == 3
    assert not AuditEntry.objects.pending().exists()
    assert_whole_log_verifies(3)


# ---------------------------------------------------------------- transactions


def in_another_connection(function):
    """function()'s result, computed in a thread with its own database connection (sees only what is committed)."""
    result = {}

    def run():
        try:
            result["value"] = function()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return result.get("value")


@pytest.mark.django_db(transaction=True)
def test_a_vendor_read_commits_its_pending_entry_before_the_response_and_the_sequencer_chains_it(client, person):
    grant = make_grant(person=person, scopes=("contact:read",))

    response = client.get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {issue_token(grant)}")

    assert response.status_code == 200
    committed = in_another_connection(
        lambda: list(AuditEntry.objects.pending().values_list("event", "fields", "outcome", "grant_id"))
    )
    assert committed == [("read", ["contact.email"], "ok", grant.pk)]
    assert not AuditEntry.objects.chained().exists()

    assert in_another_connection(chain_pending) == 1
    assert chain_in_seq_order() == [(1, "read", AuditEntry.objects.get().request_id)]
    assert_whole_log_verifies(1)


class OpenWrite(threading.Thread):
    """A thread (its own database connection) that records one read inside a transaction and holds it open
    until released, then commits."""

    def __init__(self, grant):
        super().__init__(daemon=True)
        self.grant, self.entry, self.error = grant, None, None
        self.held, self.release = threading.Event(), threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                self.entry = read(self.grant, 99)
                self.held.set()
                if not self.release.wait(30):
                    raise RuntimeError("never released")
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            self.held.set()
            connection.close()


@postgresql_snapshots
@pytest.mark.django_db(transaction=True)
def test_an_uncommitted_pending_entry_is_not_chained_until_it_commits():
    grant = GrantFactory()
    writer = OpenWrite(grant)
    writer.start()
    try:
        assert writer.held.wait(30) and writer.error is None
        later = read(grant, 1)  # committed (autocommit), with a higher id than the open transaction's entry
        assert later.pk > writer.entry.pk

        assert chain_pending() == 1
        assert pending_summary()[0] == 0  # the open transaction's entry is invisible here
    finally:
        writer.release.set()
        writer.join(30)
    assert writer.error is None

    assert AuditEntry.objects.get(pk=later.pk).seq == 1
    assert AuditEntry.objects.get(pk=writer.entry.pk).seq is None
    assert chain_pending() == 1
    assert AuditEntry.objects.get(pk=writer.entry.pk).seq == 2
    assert_whole_log_verifies(2)


def run_sequencer(result, statements, busy_timeout_ms=None):
    """chain_pending() on this thread's own connection, its SQL traced into `statements`; outcome into `result`."""
    try:
        connection.ensure_connection()
        if busy_timeout_ms is not None:
            connection.connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        connection.connection.set_trace_callback(statements.append)
        result["chained"] = chain_pending()
    except BaseException as error:
        result["error"] = error
    finally:
        connection.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_sequencer_waits_for_an_open_write_and_then_chains_it():
    grant = GrantFactory()
    writer = OpenWrite(grant)
    impatient, impatient_sql, patient, patient_sql = {}, [], {}, []
    sequencer = threading.Thread(target=run_sequencer, args=(patient, patient_sql), daemon=True)
    writer.start()
    try:
        assert writer.held.wait(30) and writer.error is None
        assert pending_summary() == (0, None)  # not committed: invisible to other connections
        # A sequencer that may not wait at all is refused the chain lock: the open write holds it.
        without_waiting = threading.Thread(target=run_sequencer, args=(impatient, impatient_sql, 0), daemon=True)
        without_waiting.start()
        without_waiting.join(30)
        # One that may wait has reached its lock (BEGIN IMMEDIATE) before the writer lets go.
        sequencer.start()
        wait_until(lambda: any(sql.startswith("BEGIN IMMEDIATE") for sql in patient_sql) or patient,
                   message="the sequencer to ask for the chain lock")
    finally:
        writer.release.set()
        writer.join(30)
        sequencer.join(40)
    assert writer.error is None

    assert "database is locked" in str(impatient.get("error")) and "chained" not in impatient
    assert patient == {"chained": 1}
    assert AuditEntry.objects.get(pk=writer.entry.pk).seq == 1
    assert_whole_log_verifies(1)


def test_a_read_rolled_back_with_its_transaction_leaves_nothing_to_chain():
    grant = GrantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        read(grant, 0)
        raise RuntimeError("the write failed")
    read(grant, 1)

    assert chain_pending() == 1
    assert chain_in_seq_order() == [(1, "read", "r1")]
    assert_whole_log_verifies(1)


# ---------------------------------------------------------------- the PostgreSQL trigger


def test_the_orm_cannot_chain_or_change_a_pending_entry_either():
    grant = GrantFactory()
    entry = read(grant, 0)

    for attempt in (
        lambda: AuditEntry.objects.pending().update(seq=1, prev_hash="a" * 64, hash="b" * 64),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: entry.save(),
    ):
        with pytest.raises(AuditLogIsAppendOnly):
            attempt()

    assert AuditEntry.objects.get(pk=entry.pk).seq is None


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only") as error:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert getattr(error.value.__cause__, "sqlstate", None) == "42501"  # insufficient_privilege


def correct_link(entry_id, seq=1, prev_hash=chain.GENESIS_HASH):
    """(seq, prev_hash, hash) the sequencer would give this pending entry after prev_hash."""
    values = AuditEntry.objects.filter(pk=entry_id).values_list(*audit_log.BODY_COLUMNS).get()
    digest = chain.entry_hash(chain.entry_body(**dict(zip(audit_log.BODY_COLUMNS, values)), prev_hash=prev_hash))
    return seq, prev_hash, digest


SET_LINK = "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, hash = %s"


@postgresql_only
def test_the_trigger_lets_only_the_sequencers_update_through():
    grant = GrantFactory()
    entry = read(grant, 0)
    link = correct_link(entry.pk)

    # (a) chaining together with any other change is refused
    refused(SET_LINK + ", reason = 'edited' WHERE id = %s", (*link, entry.pk))
    refused(SET_LINK + ", event = 'write' WHERE id = %s", (*link, entry.pk))
    refused(SET_LINK + ", fields = '[\"phone\"]'::jsonb WHERE id = %s", (*link, entry.pk))
    refused(SET_LINK + ", at = at - interval '1 day' WHERE id = %s", (*link, entry.pk))
    # ... and so is filling only part of the link, or an unchanged pending row's other columns
    refused("UPDATE audit_auditentry SET seq = 1 WHERE id = %s", (entry.pk,))
    refused("UPDATE audit_auditentry SET seq = 1, hash = %s WHERE id = %s", (link[2], entry.pk))
    refused("UPDATE audit_auditentry SET outcome = 'refused' WHERE id = %s", (entry.pk,))
    assert AuditEntry.objects.get(pk=entry.pk).seq is None

    # (b) setting seq, prev_hash and hash of a pending entry and nothing else is accepted
    with connection.cursor() as cursor:
        cursor.execute(SET_LINK + " WHERE id = %s", (*link, entry.pk))
        assert cursor.rowcount == 1
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == link
    assert (stored.event, stored.reason, stored.outcome) == ("read", "", "ok")
    assert_whole_log_verifies(1)

    # (c) a chained entry's link never changes again
    refused("UPDATE audit_auditentry SET hash = %s WHERE id = %s", ("f" * 64, entry.pk))
    refused("UPDATE audit_auditentry SET seq = 7 WHERE id = %s", (entry.pk,))
    refused(SET_LINK + " WHERE id = %s", (2, "e" * 64, "d" * 64, entry.pk))
    refused("UPDATE audit_auditentry SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = %s", (entry.pk,))
    refused("UPDATE audit_auditentry SET reason = 'edited' WHERE id = %s", (entry.pk,))

    # (d) nothing is ever deleted, chained or pending
    pending = read(grant, 1)
    refused("DELETE FROM audit_auditentry WHERE id = %s", (entry.pk,))
    refused("DELETE FROM audit_auditentry WHERE id = %s", (pending.pk,))
    refused("DELETE FROM audit_auditentry")

    assert AuditEntry.objects.count() == 2
    assert (AuditEntry.objects.get(pk=entry.pk).hash, AuditEntry.objects.get(pk=pending.pk).seq) == (link[2], None)
    assert chain_pending() == 1
    assert_whole_log_verifies(2)


@postgresql_only
def test_the_trigger_refuses_chaining_a_row_whose_link_is_partly_set():
    grant = GrantFactory()
    entry = read(grant, 0)
    # A row inserted with only prev_hash set cannot be "chained" by the sequencer's exception afterwards.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (version, kind, event, at, grant_id, client_pk, person, actor, fields, "
            "outcome, request_id, reason, detail, prev_hash) SELECT version, kind, event, at, grant_id, client_pk, "
            "person, actor, fields, outcome, 'x', reason, detail, %s FROM audit_auditentry WHERE id = %s RETURNING id",
            ("c" * 64, entry.pk),
        )
        odd = cursor.fetchone()[0]
    refused(SET_LINK + " WHERE id = %s", (1, "c" * 64, "b" * 64, odd))


# ---------------------------------------------------------------- real processes


def start_sequencer(env, log_dir, number):
    out, err = log_dir / f"sequencer{number}.out", log_dir / f"sequencer{number}.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_audit_sequencer", "--interval", "0.01"],
            cwd=BASE_DIR, env=env, stdout=stdout, stderr=stderr,
        )
    return process, out, err


WRITERS, READS = 6, 30


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_writer_processes_and_two_sequencer_processes_build_one_chain(tmp_path):
    grant = GrantFactory()
    env = dict(os.environ, **child_database_env(), DJANGO_SETTINGS_MODULE="vrm.settings", PYTHONUNBUFFERED="1",
               LOG_LEVEL="INFO")  # the sequencers log "audit sequencer started" at INFO
    total = WRITERS * READS
    sequencers = [start_sequencer(env, tmp_path, number) for number in range(2)]
    writers = []
    try:
        for _process, _out, err in sequencers:
            wait_until(lambda err=err: "audit sequencer started" in err.read_text(), timeout=60,
                       message=f"{err.name} to start")
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.audit.sequencer_writer", str(grant.pk), f"w{n}", str(READS)],
                cwd=BASE_DIR, env=env, stderr=subprocess.PIPE,
            )
            for n in range(WRITERS)
        ]
        outputs = [(w.communicate(timeout=240)[1], w.returncode) for w in writers]
        assert [err.decode() for err, code in outputs if code != 0] == []
        assert AuditEntry.objects.count() == total

        wait_until(lambda: not AuditEntry.objects.pending().exists(), timeout=60, message="no pending entries")
        for process, _out, _err in sequencers:
            assert process.poll() is None, "a sequencer exited before it was stopped"
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process, _out, _err in sequencers]
    finally:
        for process in [w for w in writers] + [s[0] for s in sequencers]:
            if process.poll() is None:
                process.kill()
                process.wait()

    reports = [out.read_text() for _process, out, _err in sequencers]
    errors = [err.read_text() for _process, _out, err in sequencers]
    assert codes == [0, 0], errors
    counts = []
    for report in reports:
        match = re.search(r"Stopped; chained (\d+) pending audit entries\.", report)
        assert match, report
        counts.append(int(match.group(1)))
    assert sum(counts) == total
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    for n in range(WRITERS):  # each writer's reads are chained in the order it recorded them
        own = AuditEntry.objects.filter(request_id__startswith=f"w{n}-").order_by("seq")
        assert list(own.values_list("request_id", flat=True)) == [f"w{n}-{number}" for number in range(READS)]
    run = verify_chain()
    assert (run.ok, run.verified_size) == (True, total), run.problem
    assert stored_hashes() == recompute_chain()


# ---------------------------------------------------------------- the command


@pytest.mark.parametrize("options", [{"batch": 0}, {"batch": -3}, {"interval": 0}, {"interval": -1}, {"interval": 61}])
def test_run_audit_sequencer_refuses_bad_options_and_chains_nothing(options):
    grant = GrantFactory()
    read(grant, 0)

    with pytest.raises(CommandError):
        call_command("run_audit_sequencer", once=True, stdout=io.StringIO(), **options)
    with pytest.raises(CommandError):
        call_command("run_audit_sequencer", stdout=io.StringIO(), **options)

    assert AuditEntry.objects.pending().count() == 1
    assert not AuditEntry.objects.chained().exists()


@pytest.mark.integration
@pytest.mark.parametrize("arguments", [["--batch", "0"], ["--interval", "0"]])
def test_run_audit_sequencer_exits_1_with_the_reason_on_stderr(arguments):
    env = dict(os.environ, **child_database_env(), DJANGO_SETTINGS_MODULE="vrm.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "run_audit_sequencer", *arguments], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert arguments[0] in result.stderr and "must be" in result.stderr


def test_run_audit_sequencer_once_chains_what_is_pending_and_says_how_many():
    grant = GrantFactory()
    for number in range(3):
        read(grant, number)
    out = io.StringIO()

    call_command("run_audit_sequencer", "--once", "--batch", "2", stdout=out)

    assert out.getvalue().strip() == "Chained 3 pending audit entries."
    assert not AuditEntry.objects.pending().exists()
    assert_whole_log_verifies(3)

    again = io.StringIO()
    call_command("run_audit_sequencer", "--once", stdout=again)
    assert again.getvalue().strip() == "Chained 0 pending audit entries."


# ---------------------------------------------------------------- verify_audit_log


def verify_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_log", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def test_verify_audit_log_fails_when_an_entry_has_waited_too_long(settings):
    settings.VRM_AUDIT_MAX_PENDING_SECONDS = 60
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    stale_at = timezone.now() - timedelta(seconds=120)
    read(grant, 0, now=stale_at)

    code, out, err = verify_command("--json")
    report = json.loads(out)
    assert code == 1
    assert "PENDING TOO LONG" in err
    assert (report["ok"], report["verified_size"]) == (True, 1)
    assert (report["pending_entries"], report["pending_stalled"]) == (1, True)
    assert datetime.fromisoformat(report["oldest_pending_at"]) == stale_at

    code, out, err = verify_command()
    assert code == 1 and "PENDING TOO LONG" in err
    assert "1 pending entry not yet chained" in out

    chain_pending()
    code, out, err = verify_command("--json")
    report = json.loads(out)
    assert code is None and err == ""
    assert (report["ok"], report["verified_size"], report["pending_entries"]) == (True, 2, 0)
    assert (report["oldest_pending_at"], report["pending_stalled"]) == (None, False)


def test_verify_audit_log_passes_with_a_fresh_pending_entry(settings):
    settings.VRM_AUDIT_MAX_PENDING_SECONDS = 60
    grant = GrantFactory()
    read(grant, 0)

    code, out, err = verify_command("--json")
    report = json.loads(out)
    assert code is None and "PENDING TOO LONG" not in err
    assert (report["ok"], report["verified_size"]) == (True, 0)
    assert (report["pending_entries"], report["pending_stalled"]) == (1, False)
    assert report["oldest_pending_at"] is not None


def test_the_pending_limit_is_a_setting(settings):
    grant = GrantFactory()
    read(grant, 0, now=timezone.now() - timedelta(seconds=30))

    settings.VRM_AUDIT_MAX_PENDING_SECONDS = 60
    assert verify_command("--json")[0] is None
    settings.VRM_AUDIT_MAX_PENDING_SECONDS = 10
    code, out, err = verify_command("--json")
    assert code == 1 and "PENDING TOO LONG" in err and json.loads(out)["pending_stalled"] is True


# ---------------------------------------------------------------- the auditor's status API


def auditor_token(api):
    new = create_auditor("sequencer-auditor", with_client=True)
    credentials = base64.b64encode(f"{new.client.client_id}:{new.client_secret}".encode()).decode()
    response = api.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}")
    token = response.json().get("access_token")
    assert token, response.content
    return token


def test_the_auditor_status_api_shows_pending_entries_until_they_are_chained():
    api = APIClient()
    token = auditor_token(api)
    grant = GrantFactory()
    oldest = timezone.now() - timedelta(seconds=3)
    read(grant, 0, now=oldest)
    read(grant, 1)

    before = api.get("/api/v1/audit/status", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert before.status_code == 200
    assert before.json()["pending_entries"] == 2
    assert datetime.fromisoformat(before.json()["oldest_pending_at"].replace("Z", "+00:00")) == oldest

    chain_pending()

    after = api.get("/api/v1/audit/status", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (after["pending_entries"], after["oldest_pending_at"]) == (0, None)
