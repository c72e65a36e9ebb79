"""Tenant boundaries over real HTTP against the live server: a vendor's token reaches only its own grant
and its receipts through every /api/v1/ URL, a person's browser session opens no API, and auditors,
by token or by session, see who read what but never a value.

Person-to-person portal URLs (receipts:download, receipts:withdraw, profile) are covered by
tests/vrm/test_web_security.py; this file does not repeat them.
"""

import json

import pytest
import requests
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from audit.auditors import create_auditor
from audit.log import record_grant_event
from audit.models import AuditEntry, Receipt
from tests.integration.test_oauth_flow import browser_of
from tests.factories import AuditorFactory, UserFactory, chain_audit_log, issue_token, make_client, make_grant
from vrm import vault
from vrm.models import VaultRecord

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SECRETS = ("ada-secret@example.org", "Secret Street 7", "Bob-secret@example.org", "Rain-jacket-secret")


class Tenants:
    """Person P shares contact with vendor X and address with vendor Y; person Q shares contact with Y."""

    def __init__(self):
        self.p, self.q = UserFactory(), UserFactory()
        vault.update_profile(self.p, category="contact", values={"email": SECRETS[0]})
        vault.update_profile(self.p, category="address", values={"street": SECRETS[1]})
        vault.update_profile(self.q, category="contact", values={"email": SECRETS[2]})
        self.x_client, self.y_client = make_client()[0], make_client()[0]
        self.px = make_grant(person=self.p, client=self.x_client, scopes=("contact:read", "purchases:write"))
        self.py = make_grant(person=self.p, client=self.y_client, scopes=("address:read",))
        self.qy = make_grant(person=self.q, client=self.y_client, scopes=("contact:read",))
        for grant in (self.px, self.py, self.qy):
            with transaction.atomic():
                record_grant_event(grant, "created", actor=grant.person)
        self.x_token = issue_token(self.px)
        self.y_token = issue_token(self.py)

    def receipts_of(self, grant):
        return {str(pk) for pk in Receipt.objects.filter(grant_id=grant.pk).values_list("pk", flat=True)}


@pytest.fixture
def tenants():
    return Tenants()


def api_routes():
    """Every URL pattern under /api/v1/ (the catch-all excepted), as strings."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name != "api-not-found":
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "/")
    return sorted(route for route in found if route.startswith("/api/v1/"))


# Every /api/v1/ route -> what a vendor token that is not an auditor gets from it.
VENDOR_VIEW = {
    "/api/v1/profile": "own grant",
    "/api/v1/grant": "own grant",
    "/api/v1/grant/deletion-confirmation": "client authentication (tests/vendors/api/test_deletion_confirmation.py)",
    "/api/v1/rights-requests": "client authentication, own requests (tests/rights/test_api.py)",
    "/api/v1/rights-requests/<uuid:request_id>/response": "client authentication, own requests (tests/rights/test_api.py)",
    "/api/v1/records": "own grant (write)",
    "/api/v1/receipts": "own grant",
    "/api/v1/receipts/<uuid:receipt_id>": "own grant",
    "/api/v1/receipts/verify": "public",
    "/api/v1/audit/entries": "auditors only",
    "/api/v1/audit/grants": "auditors only",
    "/api/v1/audit/overdue-deletions": "auditors only",
    "/api/v1/audit/checkpoints": "auditors only",
    "/api/v1/audit/status": "auditors only",
    "/api/v1/audit/log": "auditors only",
}
AUDITOR_URLS = [route for route, kind in VENDOR_VIEW.items() if kind == "auditors only"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_table_names_every_api_url():
    assert sorted(VENDOR_VIEW) == api_routes()


def test_a_vendor_token_reads_only_its_own_grant_and_profile(live_server, tenants):
    grant = requests.get(f"{live_server.url}/api/v1/grant", headers=bearer(tenants.x_token)).json()
    profile = requests.get(f"{live_server.url}/api/v1/profile", headers=bearer(tenants.x_token)).json()

    assert grant["id"] == str(tenants.px.pk)
    assert profile["grant_id"] == str(tenants.px.pk)
    assert profile["profile"] == {"contact": {"email": SECRETS[0]}}  # not P's address shared with Y, not Q's anything
    assert set(AuditEntry.objects.filter(event="read").values_list("grant_id", flat=True)) == {tenants.px.pk}


def test_a_vendor_token_lists_only_its_own_grants_receipts(live_server, tenants):
    listed = requests.get(f"{live_server.url}/api/v1/receipts", headers=bearer(tenants.x_token)).json()

    assert {receipt["id"] for receipt in listed} == tenants.receipts_of(tenants.px)


@pytest.mark.parametrize("whose", ["py", "qy"], ids=["same person, other vendor", "other person, other vendor"])
def test_a_vendor_token_never_opens_another_grants_receipt(live_server, tenants, whose):
    other_grant = getattr(tenants, whose)

    responses = [
        requests.get(f"{live_server.url}/api/v1/receipts/{receipt_id}", headers=bearer(tenants.x_token))
        for receipt_id in tenants.receipts_of(other_grant)
    ]

    assert responses and all(r.status_code == 404 for r in responses)
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in responses)
    assert not any(str(other_grant.pk) in r.text for r in responses)


def test_a_record_written_with_a_vendor_token_belongs_to_its_own_grant(live_server, tenants):
    response = requests.post(
        f"{live_server.url}/api/v1/records", headers=bearer(tenants.x_token),
        json={"data": {"item": SECRETS[3]}, "retention": "P1D"},
    )

    assert response.status_code == 201, response.text
    record = VaultRecord.objects.get()
    assert record.written_by_grant_id == tenants.px.pk and record.vault.person_id == tenants.p.pk
    assert AuditEntry.objects.get(event="write").grant_id == tenants.px.pk


@pytest.mark.parametrize("url", AUDITOR_URLS)
def test_a_vendor_token_never_reaches_the_audit_api(live_server, tenants, url):
    response = requests.get(live_server.url + url, headers=bearer(tenants.x_token))

    assert response.status_code == 403 and response.headers["Content-Type"] == "application/problem+json"
    assert str(tenants.qy.pk) not in response.text


@pytest.mark.parametrize("url", ["/api/v1/profile", "/api/v1/grant", "/api/v1/receipts", *AUDITOR_URLS])
def test_a_persons_browser_session_opens_no_api_url(live_server, tenants, url):
    browser = browser_of(tenants.p, live_server)

    response = browser.get(live_server.url + url)

    assert response.status_code == 401 and response.headers["Content-Type"] == "application/problem+json"
    assert not any(secret in response.text for secret in SECRETS)


@pytest.fixture
def vendor_activity(live_server, tenants):
    """Reads and a write by both vendors, so that the log has something about every value."""
    for token in (tenants.x_token, tenants.y_token):
        assert requests.get(f"{live_server.url}/api/v1/profile", headers=bearer(token)).status_code == 200
    requests.post(f"{live_server.url}/api/v1/records", headers=bearer(tenants.x_token),
                  json={"data": {"item": SECRETS[3]}, "retention": "P1D"})
    chain_audit_log()  # as the sequencer does, so the auditor sees the accesses in the chain
    return tenants


def auditor_token(live_server):
    auditor = create_auditor("boundary-auditor", with_client=True)
    response = requests.post(f"{live_server.url}/o/token/", data={"grant_type": "client_credentials"},
                             auth=(auditor.client.client_id, auditor.client_secret))
    return response.json()["access_token"]


def test_an_auditor_token_sees_every_audit_api_url_without_a_single_value(live_server, vendor_activity):
    token = auditor_token(live_server)

    responses = {url: requests.get(live_server.url + url, headers=bearer(token)) for url in AUDITOR_URLS}
    reads = json.dumps(responses["/api/v1/audit/entries"].json())

    assert {url: r.status_code for url, r in responses.items()} == {url: 200 for url in AUDITOR_URLS}
    assert "contact.email" in reads and "address.street" in reads  # who read which key ...
    for url, response in responses.items():
        assert not any(secret in response.text for secret in SECRETS), url  # ... but never what it held


def test_an_auditor_token_reads_no_profile_and_no_receipt_of_a_grant(live_server, vendor_activity):
    token = auditor_token(live_server)
    receipt_id = next(iter(vendor_activity.receipts_of(vendor_activity.px)))

    responses = [requests.get(live_server.url + url, headers=bearer(token))
                 for url in ("/api/v1/profile", "/api/v1/grant", "/api/v1/receipts", f"/api/v1/receipts/{receipt_id}")]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert not any(secret in r.text for r in responses for secret in SECRETS)


AUDITOR_PAGES = ["/audit/", "/audit/grants/", "/audit/events/", "/audit/checkpoints/", "/audit/overdue/",
                 "/audit/log.jsonl", "/audit/grants/?export=csv", "/audit/grants/?export=jsonl",
                 "/audit/events/?export=csv", "/audit/events/?export=jsonl"]


def test_an_auditors_pages_and_exports_show_no_value(live_server, vendor_activity):
    browser = browser_of(AuditorFactory(), live_server)

    responses = {path: browser.get(live_server.url + path, allow_redirects=False) for path in AUDITOR_PAGES}

    assert {path: r.status_code for path, r in responses.items()} == {path: 200 for path in AUDITOR_PAGES}
    assert "contact.email" in responses["/audit/events/?export=csv"].text
    for path, response in responses.items():
        assert not any(secret in response.text for secret in SECRETS), path
        assert vendor_activity.p.username not in response.text, path  # persons appear by pseudonym only


def test_a_revoked_vendor_token_stops_at_once_and_the_other_vendor_is_untouched(live_server, tenants):
    from consents.grants import revoke_grant

    revoke_grant(tenants.px, actor=tenants.p)

    x_read = requests.get(f"{live_server.url}/api/v1/profile", headers=bearer(tenants.x_token))
    y_read = requests.get(f"{live_server.url}/api/v1/profile", headers=bearer(tenants.y_token))

    assert x_read.status_code == 401 and SECRETS[0] not in x_read.text
    assert y_read.json()["profile"] == {"address": {"street": SECRETS[1]}}

