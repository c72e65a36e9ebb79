"""Audit log benchmarks: appends per second with 1, 4 and 16 writers, and verification speed.

Runs against a scratch database created (and dropped) like a test database, on
whatever DATABASE_URL points at (PostgreSQL is the interesting case):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DEBUG=1 \
        .venv/bin/python bench/audit_bench.py --seconds 10 --entries 1000000

Prints figures; asserts nothing about time. "plain insert" is the same
transaction without the chain (no lock, no head read, no hash): the gap between
the two is what chaining costs the vendor read path.
"""

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vrm.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from audit import chain  # noqa: E402
from audit.log import record_access  # noqa: E402
from audit.models import AuditEntry, VerificationRun  # noqa: E402
from audit.verification import verify_chain  # noqa: E402
from consents.models import Grant  # noqa: E402
from vendors.models import OAuthClient, Vendor  # noqa: E402
from vrm.models import User  # noqa: E402


def make_grant():
    person = User.objects.create(username=f"bench-{uuid.uuid4().hex[:8]}")
    vendor = Vendor.objects.create(name="Bench shop")
    client = OAuthClient.objects.create(
        name="bench", vendor=vendor, client_type="confidential", authorization_grant_type="authorization-code",
        redirect_uris="https://bench.example/cb",
    )
    now = timezone.now()
    return Grant.objects.create(
        person=person, client=client, scopes=["contact:read"], requested_scopes=["contact:read"],
        purpose="delivery", starts_at=now, expires_at=now + timedelta(days=1), retention=timedelta(days=1),
    )


def _writer(grant_id, seconds, chained, counter):
    connections.close_all()
    grant = Grant.objects.get(pk=grant_id)
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        with transaction.atomic():
            Grant.objects.filter(pk=grant_id).values_list("status", flat=True).first()  # the read path's own query
            if chained:
                record_access(grant, action="read", fields=["contact.email"], outcome="ok", request_id="bench")
            else:
                VerificationRun.objects.create(  # an unchained insert of a row, for comparison
                    started_at=timezone.now(), finished_at=timezone.now(), ok=True, size=0, verified_size=0,
                    checkpoints_checked=0,
                )
        count += 1
    with counter.get_lock():
        counter.value += count


def appends_per_second(grant, writers, seconds, chained):
    connections.close_all()
    counter = multiprocessing.Value("i", 0)
    processes = [multiprocessing.Process(target=_writer, args=(grant.pk, seconds, chained, counter))
                 for _ in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return counter.value / seconds


def fill(entries, batch=10_000):
    """Append `entries` chained entries quickly (bulk inserts of correctly chained rows)."""
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = head if head else (0, chain.GENESIS_HASH)
    grant_id, at = uuid.uuid4(), timezone.now()
    made = 0
    while made < entries:
        rows = []
        for _ in range(min(batch, entries - made)):
            seq += 1
            values = dict(version=1, kind="access", event="read", at=at, grant_id=grant_id, client_pk=1,
                          person="psn_" + "0" * 32, actor="vendor", fields=["contact.email"], outcome="ok",
                          request_id=f"r{seq}", reason="", detail={}, prev_hash=prev)
            prev = chain.entry_hash(chain.entry_body(**values))
            rows.append(AuditEntry(seq=seq, hash=prev, **values))
        AuditEntry.objects.bulk_create(rows)
        made += len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each append run")
    parser.add_argument("--writers", default="1,4,16")
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size for the verification run")
    args = parser.parse_args()

    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        grant = make_grant()
        for writers in [int(w) for w in args.writers.split(",")]:
            plain = appends_per_second(grant, writers, args.seconds, chained=False)
            chained = appends_per_second(grant, writers, args.seconds, chained=True)
            cost = 100 * (1 - chained / plain) if plain else 0
            print(f"{writers:>2} writer(s): plain insert {plain:8.0f}/s  chained append {chained:8.0f}/s  "
                  f"(chaining costs {cost:.0f}%)")
        missing = args.entries - AuditEntry.objects.count()
        started = time.monotonic()
        fill(max(missing, 0))
        print(f"filled the log to {AuditEntry.objects.count()} entries in {time.monotonic() - started:.1f} s")
        run = verify_chain()
        print(f"verified {run.size} entries in {run.seconds:.1f} s: {run.size / run.seconds:.0f} entries/s, ok={run.ok}")
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
