import json

from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_record, sign_checkpoint


class Command(BaseCommand):
    help = "Sign the audit chain's current head now (beat does this every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the checkpoint as JSON")

    def handle(self, *args, **options):
        checkpoint = sign_checkpoint()
        record = checkpoint_record(checkpoint) if checkpoint else None
        if options["json"]:
            self.stdout.write(json.dumps({"signed": record is not None, "checkpoint": record}))
        elif record:
            self.stdout.write(f"Signed checkpoint: {record['size']} entries, head {record['head']}.")
        else:
            self.stdout.write("Nothing new to sign.")
