"""Register a vendor organisation and one OAuth client; print the client id and (once) its secret."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consents.exceptions import InvalidTerms
from consents.terms import format_duration, parse_duration
from vendors.registration import register_client, register_vendor


class Command(BaseCommand):
    help = "Register a vendor and an OAuth client (authorization code + PKCE); prints client_id and client_secret."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="organisation name (also the client's name)")
        parser.add_argument(
            "--redirect-uri", required=True, action="append", dest="redirect_uris",
            help="exact redirect URI (https, or http on 127.0.0.1/localhost); repeat for several",
        )
        parser.add_argument("--website", default="")
        parser.add_argument("--privacy-policy-url", default="")
        parser.add_argument("--contact-email", default="")
        parser.add_argument("--logo-url", default="")
        parser.add_argument("--verified", action="store_true", help="mark the organisation verified (operators only)")
        parser.add_argument("--purpose", default="service_provision", help="default purpose code")
        parser.add_argument("--purpose-text", default="", help="default purpose, in the vendor's words")
        parser.add_argument("--duration", default="P90D", help="default grant duration (ISO 8601 or days)")
        parser.add_argument("--retention", default="P30D", help="default retention (ISO 8601 or days)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        try:
            duration = parse_duration(options["duration"], name="--duration")
            retention = parse_duration(options["retention"], name="--retention")
            with transaction.atomic():
                vendor = register_vendor(
                    name=options["name"],
                    website=options["website"],
                    privacy_policy_url=options["privacy_policy_url"],
                    contact_email=options["contact_email"],
                    logo_url=options["logo_url"],
                    verified=options["verified"],
                )
                client, secret = register_client(
                    vendor=vendor,
                    name=options["name"],
                    redirect_uris=options["redirect_uris"],
                    default_purpose=options["purpose"],
                    default_purpose_text=options["purpose_text"],
                    default_duration=duration,
                    default_retention=retention,
                )
        except InvalidTerms as error:
            raise CommandError(error.message) from None
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())) from None
        result = {
            "vendor_id": vendor.pk,
            "name": vendor.name,
            "verified": vendor.verified,
            "client_id": client.client_id,
            "client_secret": secret,
            "redirect_uris": client.redirect_uris.split(),
            "default_purpose": client.default_purpose,
            "default_duration": format_duration(client.default_duration),
            "default_retention": format_duration(client.default_retention),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(f"Registered {vendor.name} (vendor {vendor.pk}{', verified' if vendor.verified else ''}).")
        self.stdout.write(f"  client_id      {client.client_id}")
        self.stdout.write(f"  client_secret  {secret}   (shown once; only its hash is stored)")
        self.stdout.write(f"  redirect URIs  {' '.join(result['redirect_uris'])}")
