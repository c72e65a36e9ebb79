import json

from django.core.management.base import BaseCommand, CommandError

from audit.auditors import AuditorNotCreated, create_auditor


class Command(BaseCommand):
    help = (
        "Create an auditor account (read-only access to /audit/) and print its password once. With --client, "
        "also register an OAuth client (client credentials, scope audit:read) for the audit API."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--client", action="store_true", help="also register an API client for this auditor")
        parser.add_argument("--json", action="store_true", help="print the credentials as JSON")

    def handle(self, *args, **options):
        try:
            new = create_auditor(options["username"], email=options["email"], with_client=options["client"])
        except AuditorNotCreated as error:
            raise CommandError(str(error)) from None
        result = {"username": new.user.username, "password": new.password}
        if new.client:
            result.update(client_id=new.client.client_id, client_secret=new.client_secret, scope="audit:read")
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(f"Auditor {new.user.username} created. Password (shown once): {new.password}")
        if new.client:
            self.stdout.write(
                f"API client (client credentials, scope audit:read): client_id {new.client.client_id} "
                f"client_secret {new.client_secret} (shown once)"
            )
