import json

from django.core.management.base import BaseCommand

from consents import retention


class Command(BaseCommand):
    help = (
        "Request deletions whose retention ended, flag overdue ones, purge expired records, erased vaults and "
        "erased accounts past their grace period, and clear expired tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        result = retention.run_retention()
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for name, count in result.items():
                self.stdout.write(f"{name.replace('_', ' ')}: {count}")
