"""Retention purge: delete 100,000 vendor-written vault records whose retention has passed.

    .venv/bin/python -m bench.retention_purge            (or: make bench-purge)

Bulk-seeds the records (each sealed under its person's data key by vrm.crypto,
as vrm.vault.records.add_record stores them; 1,000 people with 100 records each, all
past their retain_until) plus as many records still retained, then times the
sweep's service, vrm.vault.purge_expired_records, and checks that exactly the
due ones went. Prints records per second; asserts nothing about time.
"""

import argparse
import json
import time
import uuid
from datetime import timedelta

from bench import harness

PER_PERSON = 100


def seed_records(count, *, retain_until, now):
    from bench.seed import BATCH, bulk_people, bulk_vaults
    from vrm.models import VaultRecord
    from vrm.vault.records import record_context

    people = bulk_people(max(1, count // PER_PERSON), f"records-{retain_until:%Y%m%d%H%M%S}")
    records = []
    for holder, key in bulk_vaults(people).values():
        for index in range(PER_PERSON):
            record = VaultRecord(id=uuid.uuid4(), vault=holder, category="purchases", retain_until=retain_until,
                                 created_at=now)
            data = json.dumps({"order": f"A-{index}", "total": "19.90", "currency": "EUR"}).encode()
            record.sealed_data = key.seal(data, record_context(record))
            records.append(record)
            if len(records) >= BATCH:
                VaultRecord.objects.bulk_create(records)
                records = []
    VaultRecord.objects.bulk_create(records)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Retention purge of vendor-written vault records.")
    parser.add_argument("--records", type=int, default=100_000, help="due records to seed (default 100000)")
    args = parser.parse_args(argv)

    harness.setup()
    from django.db import connection
    from django.utils import timezone

    from vrm.models import VaultRecord
    from vrm.vault import purge_expired_records

    machine = harness.machine()
    now = timezone.now()
    seed_records(args.records, retain_until=now - timedelta(days=1), now=now - timedelta(days=400))
    seed_records(args.records, retain_until=now + timedelta(days=365), now=now - timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    purged = purge_expired_records(now=now)
    elapsed = time.perf_counter() - started
    left = VaultRecord.objects.count()
    if purged != args.records or left != args.records:
        raise SystemExit(f"purged {purged} and left {left}; expected {args.records} of each")

    print(f"\nMachine: {machine}")
    harness.print_table(
        f"Retention purge (`vrm.vault.purge_expired_records`, batches of 500): {args.records:,} due records "
        f"among {2 * args.records:,}",
        ["records purged", "seconds", "records/s", "records still retained"],
        [[f"{purged:,}", f"{elapsed:.1f}", harness.per_second(purged, elapsed), f"{left:,}"]],
    )


if __name__ == "__main__":
    main()
