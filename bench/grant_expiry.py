"""Grant expiry: expire 100,000 due grants (tokens deleted, one audit event and receipt each).

    .venv/bin/python -m bench.grant_expiry [--grants N]

Bulk-seeds N active grants of one client (N people), each with an access token, moves their end into the
past, then times the beat sweep's service, consents.expiry.expire_due_grants, and checks that every grant
expired once, no token is left and there is one `expired` audit event per grant. Prints grants per second and
the sweep's CPU seconds, in this process and in its PostgreSQL backend, which a loaded machine changes less than
the wall clock; asserts nothing about time. Goal of issue 5: 100,000 within 60 s on a 2-core machine (PostgreSQL).
"""

import argparse
import time
from datetime import timedelta

from bench import harness


def backend_cpu_seconds(connection):
    """CPU seconds used so far by the PostgreSQL backend of this connection (read from /proc, so only for a
    server on this machine), or None where that cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = harness.process_stat(pid)
    return stat[1] if stat else None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Expiry sweep over due grants.")
    parser.add_argument("--grants", type=int, default=100_000, help="due grants to seed (default 100000)")
    args = parser.parse_args(argv)

    harness.setup()
    from django.db import connection
    from django.utils import timezone

    from audit.models import AuditEntry
    from bench.seed import bulk_grants, bulk_people, make_client
    from consents.expiry import expire_due_grants
    from consents.models import Grant
    from vendors.models import AccessToken

    machine = harness.machine()
    client = make_client("Expiry Bench Vendor")
    people = bulk_people(args.grants, "expiry")
    bulk_grants(((person_id, client.pk) for person_id in people), with_tokens=True)
    now = timezone.now()
    Grant.objects.update(expires_at=now - timedelta(minutes=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    server_started = backend_cpu_seconds(connection)
    started, cpu_started = time.perf_counter(), time.process_time()
    expired = expire_due_grants(now=now)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server_ended = backend_cpu_seconds(connection)
    server_cpu = "n/a" if None in (server_started, server_ended) else f"{server_ended - server_started:.1f}"
    events = AuditEntry.objects.filter(event="expired").count()
    tokens = AccessToken.objects.count()
    if expired != args.grants or events != args.grants or tokens:
        raise SystemExit(f"expired {expired}, {events} events, {tokens} tokens left; expected {args.grants}, {args.grants}, 0")

    print(f"\nMachine: {machine}")
    harness.print_table(
        f"Expiry sweep (`consents.expiry.expire_due_grants`, batches of 500): {args.grants:,} due grants",
        ["grants expired", "seconds", "grants/s", "CPU s (Python)", "CPU s (PostgreSQL backend)", "expired events",
         "tokens left"],
        [[f"{expired:,}", f"{elapsed:.1f}", harness.per_second(expired, elapsed), f"{cpu:.1f}", server_cpu,
          f"{events:,}", f"{tokens}"]],
    )


if __name__ == "__main__":
    main()
