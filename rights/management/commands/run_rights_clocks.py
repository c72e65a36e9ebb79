import json

from django.core.management.base import BaseCommand

from rights import services


class Command(BaseCommand):
    help = "Remind vendors of rights requests due soon and flag the overdue ones (as beat does)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        result = services.run_clocks()
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Reminded {result['reminded']} request(s), flagged {result['overdue']} overdue.")
