"""Audit log: appends per second with 1, 4 and 16 concurrent writer processes, and verification of a million entries.

    .venv/bin/python -m bench.audit_log            (or: make bench-audit)

Appends: each writer is its own process (its own database connection) calling
audit.log.record_access in autocommit, as the vendor API does for each read (the
entry is written pending); all writers start together and run for the same time.
Then the sequencer's step (audit.log.chain_pending) chains them, timed, and the
chain is verified, so a fork or a lost entry would show.

Verification: the chain is extended to 1,000,000 entries, built with the audit
module's own encoding (audit.chain.entry_body / entry_hash) and loaded with COPY,
then ``manage.py verify_audit_log`` checks it. Prints tables; asserts nothing
about time.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from bench import harness

FIELDS = sorted(f"{category}.{key}" for category, values in
                {"identity": ["given_name", "family_name", "birth_date"], "contact": ["email", "phone"],
                 "address": ["street", "postal_code", "city", "country"], "preferences": ["language"]}.items()
                for key in values)


def writer(grant_id):
    """A writer process: wait for 'go <seconds>' on stdin, append until the time is up, print the count."""
    harness.setup(fresh_database=False)
    from audit.log import record_access
    from consents.models import Grant

    grant = Grant.objects.get(pk=grant_id)
    print("ready", flush=True)
    seconds = float(sys.stdin.readline().split()[1])
    deadline, count = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        record_access(grant, action="read", fields=FIELDS, outcome="ok", request_id=uuid.uuid4().hex)
        count += 1
    print(json.dumps({"appends": count}), flush=True)


def concurrent_appends(grant_id, processes, seconds):
    """Total appends/s of `processes` writers started together for `seconds`."""
    command = [sys.executable, "-m", "bench.audit_log", "--writer", str(grant_id)]
    writers = [subprocess.Popen(command, cwd=harness.REPO, env=os.environ.copy(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        for process in writers:
            if process.stdout.readline().strip() != "ready":
                raise SystemExit("a writer process failed to start")
        for process in writers:
            process.stdin.write(f"go {seconds}\n")
            process.stdin.flush()
        total = sum(json.loads(process.stdout.readline())["appends"] for process in writers)
    finally:
        for process in writers:
            process.stdin.close()
            process.wait(timeout=60)
    return total


def extend_chain(total, grant):
    """Extend the chain to `total` entries, each encoded and hashed by audit.chain, loaded with COPY."""
    from django.db import connection, transaction
    from django.utils import timezone

    from audit import chain
    from audit.log import _moment
    from audit.models import AuditEntry
    from vrm.pseudonyms import pseudonym_for

    head = AuditEntry.objects.chained().order_by("-seq").values_list("seq", "hash").first()
    seq, prev = head if head else (0, chain.GENESIS_HASH)
    person = pseudonym_for(grant.person_id)
    start = _moment(timezone.now())
    columns = ["seq", "hash", "version", "kind", "event", "at", "grant_id", "client_pk", "person", "actor", "fields",
               "outcome", "request_id", "reason", "detail", "prev_hash"]
    fields_json = json.dumps(FIELDS)
    while seq < total:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.copy(f"COPY audit_auditentry ({', '.join(columns)}) FROM STDIN") as copy:
                for _ in range(min(50_000, total - seq)):
                    seq += 1
                    values = dict(
                        version=chain.FORMAT_VERSION, kind=AuditEntry.Kind.ACCESS, event="read",
                        at=start + timedelta(microseconds=seq), grant_id=grant.pk, client_pk=grant.client_id,
                        person=person, actor="vendor", fields=FIELDS, outcome="ok", request_id=uuid.uuid4().hex,
                        reason="", detail={}, prev_hash=prev,
                    )
                    digest = chain.entry_hash(chain.entry_body(**values))
                    copy.write_row([seq, digest, *[values[name] for name in columns[2:10]], fields_json,
                                    values["outcome"], values["request_id"], values["reason"], "{}", prev])
                    prev = digest


def main(argv=None):
    parser = argparse.ArgumentParser(description="Audit log appends and verification.")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per concurrency level (default 10)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="chain size to verify (default 1000000)")
    parser.add_argument("--writer", metavar="GRANT_ID", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        return writer(args.writer)

    harness.setup()
    from django.core.management import call_command

    from audit.log import chain_pending
    from audit.models import AuditEntry
    from bench.seed import seed_reader

    machine = harness.machine()
    grant = seed_reader().grant
    append_rows = []
    for processes in (1, 4, 16):
        appended = concurrent_appends(grant.pk, processes, args.seconds)
        started = time.perf_counter()
        chained = chain_pending()
        chaining = time.perf_counter() - started
        append_rows.append([processes, f"{appended:,}", f"{args.seconds:.0f}", harness.per_second(appended, args.seconds),
                            f"{chained:,}", f"{chaining:.2f}", harness.per_second(chained, chaining)])
    output = io.StringIO()
    call_command("verify_audit_log", "--json", stdout=output)
    after_appends = json.loads(output.getvalue())
    if not after_appends["ok"]:
        raise SystemExit(f"the chain is not intact after concurrent appends: {after_appends}")

    started = time.perf_counter()
    extend_chain(args.entries, grant)
    built = time.perf_counter() - started
    output = io.StringIO()
    started = time.perf_counter()
    call_command("verify_audit_log", "--json", stdout=output)
    elapsed = time.perf_counter() - started
    verified = json.loads(output.getvalue())

    print(f"\nMachine: {machine}")
    harness.print_table(
        "Audit appends (audit.log.record_access, autocommit, pending) from concurrent writer processes, then chained "
        "(audit.log.chain_pending)",
        ["writer processes", "appends", "seconds", "appends/s", "chained", "chaining seconds", "chained/s"],
        append_rows,
    )
    print(f"\nAfter the appends: verify_audit_log ok={after_appends['ok']} over {after_appends['size']:,} entries.")
    harness.print_table(
        f"Verification of {AuditEntry.objects.count():,} entries (`manage.py verify_audit_log`)",
        ["entries verified", "ok", "seconds", "entries/s"],
        [[f"{verified['verified_size']:,}", verified["ok"], f"{elapsed:.1f}", harness.per_second(verified["size"], elapsed)]],
    )
    print(f"\n(The chain was bulk-built to {args.entries:,} entries in {built:.0f} s before verification.)")


if __name__ == "__main__":
    main()
