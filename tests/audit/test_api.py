import base64
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audit.auditors import create_auditor
from audit.log import record_access, record_grant_event
from audit.models import Receipt
from audit.verification import verify_chain
from tests.factories import (
    GrantFactory,
    OAuthClientFactory,
    UserFactory,
    chain_audit_log,
    issue_token,
)
from vrm import vault
from vrm.problems import problem_uri
from vrm.pseudonyms import pseudonym_for

pytestmark = pytest.mark.django_db


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def client_credentials_token(api, client_id, secret, scope=None):
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = api.post("/o/token/", data, HTTP_AUTHORIZATION=basic(client_id, secret))
    return response.json().get("access_token")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def auditor_token(api):
    new = create_auditor("api-auditor", with_client=True)
    token = client_credentials_token(api, new.client.client_id, new.client_secret)
    assert token
    return token


@pytest.fixture
def logged_reads():
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "never-shown@example.org"})
    grant = GrantFactory(person=person)
    with transaction.atomic():
        record_grant_event(grant, "created", actor=person)
        for number in range(5):
            record_access(grant, action="read", fields=["contact.email"], outcome="ok", request_id=f"r{number}")
    chain_audit_log()
    return grant


def get(api, url, token, **params):
    return api.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_an_auditor_token_pages_through_entries_with_cursors(api, auditor_token, logged_reads):
    first = get(api, "/api/v1/audit/entries", auditor_token, limit=4).json()
    second = api.get(first["next"], HTTP_AUTHORIZATION=f"Bearer {auditor_token}").json()

    assert [e["seq"] for e in first["results"]] == [6, 5, 4, 3]
    assert [e["seq"] for e in second["results"]] == [2, 1] and second["next"] is None
    assert first["results"][0]["person"] == pseudonym_for(logged_reads.person_id)
    assert "never-shown@example.org" not in json.dumps(first) + json.dumps(second)


def test_auditor_api_filters_and_bad_filters(api, auditor_token, logged_reads):
    created = get(api, "/api/v1/audit/entries", auditor_token, event="created").json()
    bad = get(api, "/api/v1/audit/grants", auditor_token, status="sleeping", since="soon")

    assert [e["event"] for e in created["results"]] == ["created"]
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"status", "since"}


def test_times_with_any_offset_are_compared_in_utc_and_out_of_range_ones_refused(api, auditor_token, logged_reads):
    newest = get(api, "/api/v1/audit/entries", auditor_token).json()["results"][0]
    far_east = get(api, "/api/v1/audit/entries", auditor_token, until="3000-03-14T01:13:11.1+20:56")
    past_the_end = get(api, "/api/v1/audit/entries", auditor_token, since="9999-12-31T23:59:00-20:00")

    assert far_east.status_code == 200 and far_east.json()["results"][0]["seq"] == newest["seq"]
    assert past_the_end.status_code == 400 and set(past_the_end.json()["errors"]) == {"since"}


def test_a_cursor_not_handed_out_by_the_api_is_a_bad_parameter(api, auditor_token, logged_reads):
    response = get(api, "/api/v1/audit/entries", auditor_token, cursor="not-a-cursor")

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"cursor"}


def test_the_schema_documents_the_auditor_filters_and_cursor_pages(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    entries = schema["paths"]["/api/v1/audit/entries"]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in entries["parameters"]}
    page = entries["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert {"vendor", "since", "until", "event", "outcome", "grant", "person", "cursor", "limit"} <= set(parameters)
    assert "refused" in parameters["outcome"]["enum"] and parameters["person"]["pattern"].startswith("^(psn|sub)_")
    assert set(schema["components"]["schemas"][page]["properties"]) == {"next", "previous", "results"}
    assert "400" in entries["responses"]
    grants = schema["paths"]["/api/v1/audit/grants"]["get"]
    assert {"status", "purpose"} <= {parameter["name"] for parameter in grants["parameters"]}


def test_auditor_api_grants_status_checkpoints_and_full_log(api, auditor_token, logged_reads):
    verify_chain()

    grants = get(api, "/api/v1/audit/grants", auditor_token, vendor=logged_reads.client.vendor_id).json()
    status = get(api, "/api/v1/audit/status", auditor_token).json()
    log = b"".join(get(api, "/api/v1/audit/log", auditor_token).streaming_content).decode().splitlines()

    assert [g["id"] for g in grants["results"]] == [str(logged_reads.pk)]
    assert (status["verified"], status["verified_size"]) == (True, 6)
    assert json.loads(log[0])["type"] == "header" and len(log) == 7


@pytest.mark.parametrize("url", [
    "/api/v1/audit/entries", "/api/v1/audit/grants", "/api/v1/audit/overdue-deletions",
    "/api/v1/audit/checkpoints", "/api/v1/audit/status", "/api/v1/audit/log",
])
def test_audit_endpoints_refuse_everyone_but_auditor_tokens(api, url, logged_reads):
    vendor_token = issue_token(logged_reads, refresh=False)
    lapsed = create_auditor("lapsed-auditor", with_client=True)
    lapsed_token = client_credentials_token(api, lapsed.client.client_id, lapsed.client_secret)
    lapsed.user.is_active = False
    lapsed.user.save()

    statuses = [
        api.get(url).status_code,
        get(api, url, "not-a-token").status_code,
        get(api, url, vendor_token).status_code,
        get(api, url, lapsed_token).status_code,
    ]

    assert statuses == [401, 401, 403, 403]


def test_a_vendor_fetches_its_own_receipts_and_not_others(api, logged_reads):
    token = issue_token(logged_reads, refresh=False)
    other = GrantFactory(client=OAuthClientFactory())
    with transaction.atomic():
        record_grant_event(other, "created", actor=other.person)
    mine = Receipt.objects.get(grant_id=logged_reads.pk)
    theirs = Receipt.objects.get(grant_id=other.pk)

    listing = get(api, "/api/v1/receipts", token)
    own = get(api, f"/api/v1/receipts/{mine.id}", token)
    foreign = get(api, f"/api/v1/receipts/{theirs.id}", token)

    assert [r["id"] for r in listing.json()] == [str(mine.id)]
    assert own.status_code == 200 and own.json() == {"id": str(mine.id), **mine.document()}
    assert foreign.status_code == 404 and foreign["Content-Type"] == "application/problem+json"


def test_anyone_verifies_a_receipt_through_the_api(api, logged_reads):
    document = Receipt.objects.get(grant_id=logged_reads.pk).document()
    tampered = {**document, "receipt": {**document["receipt"], "expiry": "2099-01-01T00:00:00.000000Z"}}

    genuine = api.post("/api/v1/receipts/verify", {"receipt": document}, format="json")
    as_jws = api.post("/api/v1/receipts/verify", {"receipt": document["jws"]}, format="json")
    changed = api.post("/api/v1/receipts/verify", {"receipt": tampered}, format="json")
    empty = api.post("/api/v1/receipts/verify", {}, format="json")

    assert genuine.status_code == 200 and genuine.json()["receipt"]["record_id"] == str(logged_reads.pk)
    assert as_jws.status_code == 200
    assert changed.status_code == 422 and changed.json()["type"] == problem_uri("receipt-not-verified")
    assert empty.status_code == 400 and "receipt" in empty.json()["errors"]


def test_overdue_deletions_through_the_api(api, auditor_token):
    late = GrantFactory(status="expired", retention_ends_at=timezone.now() - timedelta(days=15))  # grace: 14 days
    GrantFactory(status="expired", retention_ends_at=timezone.now() - timedelta(days=1))  # still within the grace

    response = get(api, "/api/v1/audit/overdue-deletions", auditor_token).json()

    assert [g["id"] for g in response["results"]] == [str(late.pk)]


def test_an_auditor_resolves_a_vendors_pairwise_id_and_sees_it_on_each_grant(api, auditor_token, logged_reads):
    other_vendor_grant = GrantFactory(person=logged_reads.person)
    with transaction.atomic():
        record_grant_event(other_vendor_grant, "created", actor=logged_reads.person)
    chain_audit_log()
    subject = Receipt.objects.get(grant_id=logged_reads.pk).payload["data_subject"]["id"]

    by_subject = get(api, "/api/v1/audit/entries", auditor_token, person=subject).json()
    grants = get(api, "/api/v1/audit/grants", auditor_token).json()["results"]
    unknown = get(api, "/api/v1/audit/entries", auditor_token, person="sub_" + "0" * 32).json()

    assert {e["person"] for e in by_subject["results"]} == {pseudonym_for(logged_reads.person_id)}
    assert {e["grant_id"] for e in by_subject["results"]} == {str(logged_reads.pk)}  # that vendor's entries only
    assert len(by_subject["results"]) == 6 and unknown["results"] == []
    assert {g["id"]: g["subject"] for g in grants}[str(logged_reads.pk)] == subject
    assert {g["id"]: g["subject"] for g in grants}[str(other_vendor_grant.pk)] != subject
