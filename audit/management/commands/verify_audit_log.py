import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from audit import log as audit_log
from audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Check the whole audit chain and every checkpoint signature; name the first entry changed, removed "
        "or reordered; report the vendor accesses still waiting to be chained. Exit status 1 when the log is not "
        "intact, or when an entry has waited longer than VRM_AUDIT_MAX_PENDING_SECONDS (the sequencer is not running)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        run = verify_chain()
        rate = int(run.size / run.seconds) if run.seconds > 0 else run.size
        pending, oldest = audit_log.pending_summary()
        waited = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        stalled = waited > settings.VRM_AUDIT_MAX_PENDING_SECONDS
        if options["json"]:
            self.stdout.write(json.dumps({
                **run.result.as_dict(), "verified_head_at": run.verified_head_at.isoformat() if run.verified_head_at else None,
                "seconds": round(run.seconds, 3), "entries_per_second": rate,
                "pending_entries": pending, "oldest_pending_at": oldest.isoformat() if oldest else None,
                "pending_stalled": stalled,
            }, indent=2))
        elif run.ok:
            self.stdout.write(
                f"Verified: entries 1 to {run.verified_size} are intact, {run.checkpoints_checked} signed "
                f"checkpoint(s) match ({run.seconds:.2f} s, {rate} entries/s)."
            )
        else:
            self.stderr.write(f"NOT VERIFIED: {run.problem} (intact up to entry {run.verified_size}).")
        if pending and not options["json"]:
            self.stdout.write(f"{pending} pending entr{'y' if pending == 1 else 'ies'} not yet chained, the oldest "
                              f"recorded {waited:.1f} s ago.")
        if stalled:
            self.stderr.write(
                f"PENDING TOO LONG: an entry has waited {waited:.0f} s to be chained (limit "
                f"{settings.VRM_AUDIT_MAX_PENDING_SECONDS} s). Start `manage.py run_audit_sequencer`, or check beat."
            )
        if not run.ok or stalled:
            sys.exit(1)
