import json
import sys

from django.core.management.base import BaseCommand

from audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Check the whole audit chain and every checkpoint signature; name the first entry changed, removed "
        "or reordered. Exit status 1 when the log is not intact."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        run = verify_chain()
        rate = int(run.size / run.seconds) if run.seconds > 0 else run.size
        if options["json"]:
            self.stdout.write(json.dumps({
                **run.result.as_dict(), "verified_head_at": run.verified_head_at.isoformat() if run.verified_head_at else None,
                "seconds": round(run.seconds, 3), "entries_per_second": rate,
            }, indent=2))
        elif run.ok:
            self.stdout.write(
                f"Verified: entries 1 to {run.verified_size} are intact, {run.checkpoints_checked} signed "
                f"checkpoint(s) match ({run.seconds:.2f} s, {rate} entries/s)."
            )
        else:
            self.stderr.write(f"NOT VERIFIED: {run.problem} (intact up to entry {run.verified_size}).")
        if not run.ok:
            sys.exit(1)
