"""Seed data for the benchmarks: one reader through the project's own services, and bulk rows for scale.

The reader (a person with ten attributes, a vendor client, a grant and an access
token) goes through vrm.vault, vendors.registration and consents.grants, so the
read path serves exactly what the product would. Scale (thousands of people,
grants, tokens, vaults, records) is bulk-inserted with bulk_create: the rows are
the same, the services' per-row cost is not what those benchmarks measure.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from oauth2_provider.models import set_token_value

from consents.grants import create_grant
from consents.models import Grant
from vendors.models import AccessToken, OAuthClient
from vendors.registration import register_client, register_vendor
from vrm import crypto, vault
from vrm.models import DataKey, Vault

BATCH = 5000

# Ten attributes over the four profile categories (values are made up).
PROFILE = {
    "identity": {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1990-12-10"},
    "contact": {"email": "ada@example.org", "phone": "+44 20 7946 0958"},
    "address": {"street": "1 Example Street", "postal_code": "10115", "city": "Berlin", "country": "DE"},
    "preferences": {"language": "English"},
}
READ_SCOPES = [f"{category}:read" for category in PROFILE]
GRANT_TERMS = dict(purpose="service_provision", purpose_text="Benchmark", duration=timedelta(days=30),
                   retention=timedelta(days=30))


@dataclass
class Reader:
    person: object
    client: object
    grant: Grant
    token: str  # the raw bearer token (only its checksum is stored)


def make_person(username):
    return get_user_model().objects.create_user(username=username, password=None, role="person")


def make_client(name):
    """A vendor organisation and one confidential authorization-code client, through the registration services."""
    vendor = register_vendor(name=name, verified=True)
    client, _secret = register_client(vendor=vendor, name=name, redirect_uris=["https://vendor.example/callback"])
    return client


def mint_token(grant, *, scopes=None, now=None):
    """An access token tied to `grant` (DOT's model, its `consent` field), as the token endpoint issues it."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=grant.person,
        application=grant.client,
        consent=grant,
        expires=min(now + timedelta(hours=1), grant.expires_at),
        scope=" ".join(scopes if scopes is not None else grant.scopes),
    )
    set_token_value(token, raw)
    token.save()
    return raw


def seed_reader(username="bench-reader", client_name="Bench Vendor", *, now=None):
    """A person with ten attributes set, a client, a grant of the four read scopes, and a token for it."""
    person = make_person(username)
    for category, values in PROFILE.items():
        vault.update_profile(person, category=category, values=values)
    client = make_client(client_name)
    grant = create_grant(person=person, client=client, requested_scopes=READ_SCOPES, scopes=READ_SCOPES,
                         now=now, **GRANT_TERMS)
    return Reader(person=person, client=client, grant=grant, token=mint_token(grant, now=now))


def seed_baseline(person, client, *, now=None):
    """The bare baseline's row (ten plaintext values) and a plain DOT token with no grant behind it."""
    from bench.models import BaselineProfile

    now = now or timezone.now()
    values = {key: value for category in PROFILE.values() for key, value in category.items()}
    BaselineProfile.objects.create(user=person, **values)
    raw = secrets.token_urlsafe(32)
    token = AccessToken(user=person, application=client, expires=now + timedelta(hours=1), scope="")
    set_token_value(token, raw)
    token.save()
    return raw


def bulk_people(count, prefix):
    """`count` person accounts (unusable passwords), inserted in batches; returns their ids."""
    User = get_user_model()
    people = User.objects.bulk_create(
        (User(username=f"{prefix}-{index}", password="!", role="person") for index in range(count)),
        batch_size=BATCH,
    )
    return [person.pk for person in people]


def bulk_vaults(person_ids):
    """A vault per person with a real data key, bulk-inserted: {person_id: (vault, data key)}.

    As vrm.vault.ensure_vault stores them: each key wrapped through vrm.crypto and bound to a random
    reference, written to the key store first, then the vaults naming them in the main database.
    """
    made = {}
    for start in range(0, len(person_ids), BATCH):
        keys, vaults = [], []
        for person_id in person_ids[start : start + BATCH]:
            key_ref = uuid.uuid4()
            data_key, wrapped = crypto.new_data_key(person_id, key_ref)
            keys.append(DataKey(id=key_ref, wrapped_key=wrapped.ciphertext, key_id=wrapped.key_id))
            vaults.append(Vault(person_id=person_id, key_ref=key_ref))
            made[person_id] = data_key
        DataKey.objects.bulk_create(keys)
        for stored in Vault.objects.bulk_create(vaults):
            made[stored.person_id] = (stored, made[stored.person_id])
    return made


def bulk_clients(template, count, prefix):
    """`count` clients of the template's vendor; they share one (already hashed) secret to skip hashing."""
    hashed = make_password(secrets.token_urlsafe(32))
    clients = OAuthClient.objects.bulk_create(
        (
            OAuthClient(
                vendor_id=template.vendor_id, name=f"{prefix}-{index}", redirect_uris=template.redirect_uris,
                client_type=template.client_type, authorization_grant_type=template.authorization_grant_type,
                client_secret=hashed, client_id=f"{prefix}-{index}-{secrets.token_hex(8)}",
            )
            for index in range(count)
        ),
        batch_size=BATCH,
    )
    return [client.pk for client in clients]


def bulk_grants(pairs, *, now=None, with_tokens=True):
    """Active grants of the read scopes for (person_id, client_id) pairs, each with an access token if asked.

    Returns the number of grants inserted. Rows are built lazily, batch by batch.
    """
    now = now or timezone.now()
    inserted = 0
    pairs = list(pairs)
    for start in range(0, len(pairs), BATCH):
        grants = Grant.objects.bulk_create(
            Grant(
                person_id=person_id, client_id=client_id, requested_scopes=READ_SCOPES, scopes=READ_SCOPES,
                purpose=GRANT_TERMS["purpose"], purpose_text=GRANT_TERMS["purpose_text"], starts_at=now - timedelta(days=1),
                expires_at=now + GRANT_TERMS["duration"], retention=GRANT_TERMS["retention"],
            )
            for person_id, client_id in pairs[start : start + BATCH]
        )
        if with_tokens:
            tokens = []
            for grant in grants:
                token = AccessToken(user_id=grant.person_id, application_id=grant.client_id, consent_id=grant.pk,
                                    expires=now + timedelta(hours=1), scope=" ".join(READ_SCOPES))
                set_token_value(token, secrets.token_urlsafe(32))
                tokens.append(token)
            AccessToken.objects.bulk_create(tokens)
        inserted += len(grants)
    return inserted
