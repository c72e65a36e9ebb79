import json

from django.core.management.base import BaseCommand

from consents import expiry


class Command(BaseCommand):
    help = "Expire grants past their end and resume paused grants whose resume date has come (as beat does)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument("--batch-size", type=int, default=expiry.BATCH_SIZE)

    def handle(self, *args, **options):
        result = {
            "expired": expiry.expire_due_grants(batch_size=options["batch_size"]),
            "resumed": expiry.resume_due_grants(batch_size=options["batch_size"]),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Expired {result['expired']} grant(s), resumed {result['resumed']}.")
