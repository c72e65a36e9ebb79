"""What vendors learn about a person, and what the permanent log keeps, over real HTTP with a standard OAuth
client library (authlib): pairwise person ids per vendor organisation, and no chosen free text (record keys,
custom attribute keys, the person's reasons) in the audit log or, after an erasure, anywhere in the database."""

import json
from io import StringIO

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.management import call_command
from django.db import connection
from django.test import Client

from audit.models import AuditEntry
from consents.models import Grant
from tests.factories import AuditorFactory, chain_audit_log
from tests.integration.test_oauth_flow import REDIRECT_URI, browser_of, give_consent
from people import erasure
from vrm import vault
from vrm.pseudonyms import pseudonym_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]



@pytest.fixture(autouse=True)
def issuer_is_the_live_server(request, site_url):
    """The OAuth issuer (SITE_URL) is the live server, for the tests that run the flow over HTTP."""
    if "live_server" in request.fixturenames:
        site_url(request.getfixturevalue("live_server").url)


VERIFIER = "v" * 20 + "erifier-for-pkce-0123456789-abcdefghij"


def register_vendor(name):
    out = StringIO()
    call_command("register_vendor", "--name", name, "--redirect-uri", REDIRECT_URI, "--verified", "--json", stdout=out)
    return json.loads(out.getvalue())


def connect(live_server, person, vendor, scope):
    """The whole authorization code flow for `person` and `vendor`; returns the vendor's authorised session."""
    metadata = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    session = OAuth2Session(
        vendor["client_id"], vendor["client_secret"], scope=scope, redirect_uri=REDIRECT_URI,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )
    url, _state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=VERIFIER)
    callback = give_consent(browser_of(person, live_server), url)
    session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=VERIFIER)
    return session


def test_two_vendor_organisations_get_different_ids_for_the_same_person(live_server, person, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live test server speaks plain http
    sessions = [
        connect(live_server, person, register_vendor(name), "contact:read") for name in ("Outfitters", "Grocers")
    ]

    seen = []
    for session in sessions:
        grant = session.get(f"{live_server.url}/api/v1/grant").json()
        receipts = session.get(f"{live_server.url}/api/v1/receipts").json()
        seen.append((grant["subject"], [r["receipt"]["data_subject"] for r in receipts]))

    (first, first_receipts), (second, second_receipts) = seen
    assert first != second
    assert first_receipts == [{"id": first, "id_type": "pairwise-pseudonym"}]
    assert second_receipts == [{"id": second, "id_type": "pairwise-pseudonym"}]
    assert pseudonym_for(person.pk) not in (first, second)
    assert person.username not in json.dumps(seen)


def test_an_auditor_sees_whose_pairwise_id_it_is_and_a_vendor_cannot_ask(live_server, person, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    session = connect(live_server, person, register_vendor("Outfitters"), "contact:read")
    subject = session.get(f"{live_server.url}/api/v1/grant").json()["subject"]
    session.get(f"{live_server.url}/api/v1/profile")
    chain_audit_log()
    auditor = Client()
    auditor.force_login(AuditorFactory())

    page = auditor.get("/audit/events/", {"person": subject})
    grants_page = auditor.get("/audit/grants/")
    vendor_asks = session.get(f"{live_server.url}/audit/events/", params={"person": subject}, allow_redirects=False)

    assert page.status_code == 200
    text = page.content.decode()
    assert f"<code>{subject}</code> is the pairwise id" in text and pseudonym_for(person.pk) in text
    assert subject in grants_page.content.decode() and pseudonym_for(person.pk) in grants_page.content.decode()
    assert vendor_asks.status_code in (302, 403) and pseudonym_for(person.pk) not in vendor_asks.text


def test_a_record_key_a_vendor_chose_leaves_no_such_string_in_the_audit_table(live_server, person, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    session = connect(live_server, person, register_vendor("Outfitters"), "purchases:write")

    written = session.post(
        f"{live_server.url}/api/v1/records",
        json={"data": {"card_4111111111111111": "on file", "total": "12.00"}, "retention": "P30D"},
    )
    chain_audit_log()

    assert written.status_code == 201, written.text
    assert AuditEntry.objects.filter(event="write", outcome="ok").count() == 1
    assert "4111111111111111" not in audit_table_text()


def test_after_an_erasure_nothing_the_person_typed_is_left_in_the_database(live_server, person, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    vault.add_custom_attribute(person, category="identity", label="Lupus diagnosis", type="text")
    vault.update_profile(person, category="identity", values={"custom_lupus_diagnosis": "since 2019"})
    reader = connect(live_server, person, register_vendor("Outfitters"), "identity:read")
    grocers = register_vendor("Grocers")
    connect(live_server, person, grocers, "contact:read")
    profile = reader.get(f"{live_server.url}/api/v1/profile").json()
    chain_audit_log()
    portal = Client()
    portal.force_login(person)
    outfitters_grant, grocers_grant = (
        Grant.objects.get(person=person, client__name=name) for name in ("Outfitters", "Grocers")
    )
    typed = {
        "revoke": "Revoke-reason-Zanzibar-flat-7b",
        "pause": "Pause-reason-my-cat-Whiskers",
        "leave": "Leave-reason-sister-Henrietta",
    }
    answers = [
        portal.post(f"/connections/{outfitters_grant.pk}/revoke/", {"revoke-reason": typed["revoke"]}),
        portal.post(f"/connections/{grocers_grant.pk}/pause/", {"pause-reason": typed["pause"]}),
        portal.post(f"/connections/{grocers_grant.pk}/leave/", {"leave-reason": typed["leave"]}),
    ]
    shown_before = portal.get(f"/connections/{grocers_grant.pk}/").content.decode()
    read_shown_before = portal.get(f"/connections/{outfitters_grant.pk}/").content.decode()

    erasure.erase_person(person, actor=person)
    vault.purge_erased_vaults()
    chain_audit_log()

    assert profile["profile"]["identity"] == {"custom_lupus_diagnosis": "since 2019"}
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    # The person still sees their own words and their own attribute's name, which the log holds only hashed.
    assert typed["pause"] in shown_before and typed["leave"] in shown_before
    assert typed["revoke"] in read_shown_before, read_shown_before
    assert "Lupus diagnosis" in read_shown_before
    everything = database_text()
    audit_table = audit_table_text()
    for text in [*typed.values(), "custom_lupus_diagnosis", "Lupus diagnosis"]:
        assert text not in audit_table, text
        assert text not in everything, text
    assert AuditEntry.objects.filter(event__in=["revoked", "paused", "deletion_requested"]).count() >= 4


def audit_table_text():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(AuditEntry._meta.db_table)}")
        return "\n".join(map(str, cursor.fetchall()))


def database_text():
    """Every row of the main database as text: SQLite's own dump, or every text-like column on PostgreSQL."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        )
        columns = cursor.fetchall()
        texts = []
        for table, column in columns:
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT {quote(column)}::text FROM {quote(table)} WHERE {quote(column)} IS NOT NULL")
            texts.extend(value for (value,) in cursor.fetchall())
    assert columns, "no text columns found"
    return "\n".join(texts)


def test_webhook_payloads_name_the_person_as_each_vendor_organisation_sees_them(person):
    from consents.grants import revoke_grant
    from tests.consents.lifecycle_helpers import grant_with_webhook
    from tests.factories import make_client
    from vendors.models import WebhookDelivery
    from vendors.webhooks import set_endpoint

    first, second = grant_with_webhook(person=person), grant_with_webhook(person=person)
    sibling_client, _secret = make_client(vendor=first.client.vendor)
    set_endpoint(sibling_client, "https://shop.example/hooks")
    sibling = Grant.objects.create(**{
        field: getattr(first, field) for field in (
            "person", "requested_scopes", "scopes", "purpose", "purpose_text", "starts_at", "expires_at", "retention",
        )
    }, client=sibling_client)

    for grant in (first, second, sibling):
        revoke_grant(grant, actor=person)

    subjects = {
        delivery.client_id: delivery.payload["grant"]["subject"]
        for delivery in WebhookDelivery.objects.filter(event="grant.revoked")
    }
    assert len(subjects) == 3
    assert subjects[first.client_id] == subjects[sibling_client.pk]  # one organisation, one id
    assert subjects[first.client_id] != subjects[second.client_id]
    assert pseudonym_for(person.pk) not in subjects.values()
