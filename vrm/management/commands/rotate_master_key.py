"""Re-wrap every person's data key under the newest master key (the first of VRM_MASTER_KEYS).

Rotation: put the new key first in VRM_MASTER_KEYS, keep the old ones after it,
run this command, then drop the old keys. It works in batches, each its own
transaction, so it can be interrupted and run again to resume.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from vrm import crypto, rotation


class Command(BaseCommand):
    help = "Re-wrap every data key under the newest master key, in resumable batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=rotation.ROTATION_BATCH_SIZE,
            help=f"data keys per transaction (default {rotation.ROTATION_BATCH_SIZE})",
        )
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        newest = crypto.newest_key_id()
        remaining = rotation.data_keys_to_rewrap().count()
        total_at_start, rewrapped, batches = remaining, 0, 0
        if not options["json"]:
            self.stdout.write(f"Newest master key {newest}: {remaining} data keys to re-wrap.")
        while remaining and (options["max_batches"] is None or batches < options["max_batches"]):
            try:
                done = rotation.rewrap_next_batch(batch_size)
            except crypto.DecryptionError as error:
                raise CommandError(f"stopped after {rewrapped} data keys: {error}") from None
            if not done:
                # Fewer than counted (say, vaults erased meanwhile): count again rather than guess.
                remaining = rotation.data_keys_to_rewrap().count()
                break
            # Counted once at the start: new vaults get the newest key, so only our batches lower it.
            rewrapped, batches, remaining = rewrapped + done, batches + 1, max(0, remaining - done)
            progress = f"batch {batches}: re-wrapped {rewrapped}/{total_at_start}, {remaining} left"
            # Progress goes to stderr under --json so stdout stays one JSON document.
            (self.stderr if options["json"] else self.stdout).write(progress)
        summary = {
            "newest_key_id": newest,
            "rewrapped": rewrapped,
            "batches": batches,
            "remaining": remaining,
            "complete": remaining == 0,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        elif remaining:
            self.stdout.write(f"Stopped with {remaining} data keys left; run again to resume.")
        else:
            self.stdout.write(f"Done: every data key is wrapped by {newest}; older master keys can be removed.")
