import sys

from django.core.management.base import BaseCommand

from audit.exports import log_export_lines


class Command(BaseCommand):
    help = (
        "Write the whole audit log with its signed checkpoints as JSON lines, for "
        "`python audit/standalone_verify.py log FILE --public-key KEY`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        if options["output"] == "-":
            for line in log_export_lines():
                sys.stdout.write(line)
            return
        with open(options["output"], "w", encoding="utf-8") as handle:
            for line in log_export_lines():
                handle.write(line)
        self.stderr.write(f"Wrote {options['output']}.")
