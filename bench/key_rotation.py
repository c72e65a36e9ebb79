"""Master-key rotation: re-wrap 100,000 vaults' data keys under a new master key.

    .venv/bin/python -m bench.key_rotation            (or: make bench-rotation)

Bulk-seeds the vaults (each with a real data key wrapped by the current master
key, through vrm.crypto, in the bench key store), puts a second master key first, and runs what an
operator runs: the ``rotate_master_key`` command (its default batch size), which
drives vrm.rotation.rewrap_next_batch. Then checks a sample of data keys opens with
the new key alone. Prints vaults per second; asserts nothing about time.
"""

import argparse
import io
import json
import time

from bench import harness


def seed_vaults(count):
    from bench.seed import bulk_people, bulk_vaults

    people = bulk_people(count, "vault-owner")
    bulk_vaults(people)
    return people


def main(argv=None):
    parser = argparse.ArgumentParser(description="Master-key rotation of many vaults.")
    parser.add_argument("--vaults", type=int, default=100_000, help="vaults to seed (default 100000)")
    args = parser.parse_args(argv)

    harness.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings

    from vrm import crypto
    from vrm.models import DataKey, Vault
    from vrm.rotation import ROTATION_BATCH_SIZE

    machine = harness.machine()
    started = time.perf_counter()
    people = seed_vaults(args.vaults)
    for alias in ("default", "keystore"):
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    first_key, second_key = settings.VRM_MASTER_KEYS[0], harness.new_master_key()
    rows = []

    with override_settings(VRM_MASTER_KEYS=[second_key, first_key]):
        output, progress = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        call_command("rotate_master_key", "--json", stdout=output, stderr=progress)
        elapsed = time.perf_counter() - started
        summary = json.loads(output.getvalue())
        rows.append([f"`manage.py rotate_master_key` (batch {ROTATION_BATCH_SIZE:,})", f"{summary['rewrapped']:,}", f"{elapsed:.1f}",
                     harness.per_second(summary["rewrapped"], elapsed), summary["remaining"]])

    with override_settings(VRM_MASTER_KEYS=[second_key]):  # every data key opens with the newest key alone
        sample = dict(Vault.objects.filter(person_id__in=people[:: max(1, len(people) // 100)]).values_list("key_ref", "person_id"))
        opened = 0
        for item in DataKey.objects.filter(id__in=list(sample)):
            crypto.unwrap(crypto.WrappedKey(bytes(item.wrapped_key), item.key_id), sample[item.id], item.id)
            opened += 1
        if opened != len(sample):
            raise SystemExit(f"only {opened} of {len(sample)} sampled vaults have a data key in the key store")

    print(f"\nMachine: {machine}")
    print(f"Seeded {args.vaults:,} vaults (bulk insert) in {seeded:.1f} s.")
    harness.print_table(
        f"Master-key rotation of {args.vaults:,} vaults",
        ["run", "vaults re-wrapped", "seconds", "vaults/s", "left over"],
        rows,
    )


if __name__ == "__main__":
    main()
