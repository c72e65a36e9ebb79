from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.log import field_for_log
from audit.models import AuditEntry
from consents.models import Grant
from tests.factories import UserFactory, issue_token, make_grant
from vrm import vault
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "ada@example.org", "phone": "+44 20 7946 0958"})
    vault.update_profile(person, category="address", values={"city": "Lovelace Town"})
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    return person


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_profile_returns_only_the_granted_categories(client, person):
    grant = make_grant(person=person, scopes=("contact:read", "address:read"))

    response = client.get("/api/v1/profile", **bearer(issue_token(grant)))

    assert response.json() == {
        "grant_id": str(grant.pk),
        "scopes": ["address:read", "contact:read"],
        "profile": {"address": {"city": "Lovelace Town"}, "contact": {"email": "ada@example.org", "phone": "+442079460958"}},
    }


def test_a_token_narrower_than_its_grant_reads_only_its_own_scopes(client, person):
    grant = make_grant(person=person, scopes=("contact:read", "address:read"))

    response = client.get("/api/v1/profile", **bearer(issue_token(grant, scope=["address:read"])))

    assert response.json()["profile"] == {"address": {"city": "Lovelace Town"}}


def test_a_read_is_audited_with_field_keys_never_values(client, person):
    grant = make_grant(person=person, scopes=("contact:read",))

    client.get("/api/v1/profile", **bearer(issue_token(grant)), HTTP_X_REQUEST_ID="req-42")

    entry = AuditEntry.objects.get(grant_id=grant.pk, kind="access")
    assert (entry.event, entry.outcome, entry.request_id) == ("read", "ok", "req-42")
    assert entry.fields == ["contact.email", "contact.phone"]
    assert "ada@example.org" not in str(AuditEntry.objects.values_list())


# One profile read on the main database: the token with its grant, user and client; the values with the vault's
# key reference; the read's pending audit entry (one INSERT, no transaction, no chain lock: the sequencer chains
# it). The wrapped data key is one more, in the key store.
PROFILE_READ_STATEMENTS = {"postgresql": 3, "sqlite": 3}


def test_a_profile_read_makes_a_fixed_number_of_statements(client, person, django_assert_num_queries):
    grant = make_grant(person=person, scopes=("contact:read", "address:read", "identity:read"))
    raw = issue_token(grant)
    client.get("/api/v1/profile", **bearer(raw))  # first request of the process: caches warm

    with django_assert_num_queries(PROFILE_READ_STATEMENTS[connection.vendor]):
        response = client.get("/api/v1/profile", **bearer(raw))

    assert response.status_code == 200 and len(response.json()["profile"]) == 3


def test_a_paused_grant_is_refused_and_the_refusal_audited(client, person):
    grant = make_grant(person=person, status=Grant.Status.PAUSED)

    response = client.get("/api/v1/profile", **bearer(issue_token(grant)))

    assert response.status_code == 403 and response.json()["type"] == problem_uri("grant-paused")
    entry = AuditEntry.objects.get(grant_id=grant.pk, kind="access")
    assert (entry.outcome, entry.reason) == ("refused", "The person paused this grant.")


def test_the_daily_read_limit_is_enforced(client, person):
    grant = make_grant(person=person, max_reads_per_day=1)
    raw = issue_token(grant)
    client.get("/api/v1/profile", **bearer(raw))

    response = client.get("/api/v1/profile", **bearer(raw))

    assert response.status_code == 429 and response.json()["type"] == problem_uri("rate-limited")


def test_grant_describes_the_terms_to_the_vendor(client, person):
    grant = make_grant(person=person, scopes=("contact:read",), requested=("contact:read", "address:read"))

    body = client.get("/api/v1/grant", **bearer(issue_token(grant))).json()

    assert body["id"] == str(grant.pk) and body["status"] == "active"
    assert (body["scopes"], body["requested_scopes"]) == (["contact:read"], ["contact:read", "address:read"])
    assert (body["purpose"], body["retention"]) == ("delivery", "P30D")
    assert body["client_id"] == grant.client.client_id


def test_a_vendor_adds_a_record_the_person_can_read(client, person):
    grant = make_grant(person=person, scopes=("purchases:write",))

    response = client.post(
        "/api/v1/records",
        {"data": {"item": "Rain jacket", "price": "89.00"}, "retention": "P2Y"},
        content_type="application/json",
        **bearer(issue_token(grant)),
    )

    assert response.status_code == 201
    records = vault.read_profile(person, ["purchases"])["purchases"]["records"]
    assert [record["data"] for record in records] == [{"item": "Rain jacket", "price": "89.00"}]
    assert records[0]["id"] == response.json()["id"]
    retain_until = timezone.datetime.fromisoformat(response.json()["retain_until"].replace("Z", "+00:00"))
    assert retain_until - timezone.now() > timedelta(days=729)
    entry = AuditEntry.objects.get(grant_id=grant.pk, kind="access")
    # The vendor chose these keys: the log keeps keyed hashes of them (no chosen text outlives erasure).
    assert (entry.event, entry.fields) == ("write", sorted([field_for_log("item"), field_for_log("price")]))


@pytest.mark.parametrize(
    "body, field",
    [
        ({"data": {"item": "x"}}, "retention"),
        ({"data": {"item": "x"}, "retention": "forever"}, "retention"),
        ({"data": {}, "retention": "P1Y"}, "data"),
        ({"data": "a string", "retention": "P1Y"}, "data"),
        ({"data": {"item": "x"}, "retention": "P1Y", "category": "contact"}, "category"),
    ],
)
def test_a_bad_record_is_a_problem_and_writes_nothing(client, person, body, field):
    grant = make_grant(person=person, scopes=("purchases:write",))

    response = client.post("/api/v1/records", body, content_type="application/json", **bearer(issue_token(grant)))

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert vault.read_profile(person, ["purchases"])["purchases"]["records"] == []


def test_malformed_json_is_a_problem(client, person):
    grant = make_grant(person=person, scopes=("purchases:write",))

    response = client.post("/api/v1/records", "{not json", content_type="application/json", **bearer(issue_token(grant)))

    assert response.status_code == 400 and response.json()["title"] == "Malformed request body"


def test_the_openapi_schema_describes_every_endpoint_and_the_oauth_flow(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert {"/api/v1/profile", "/api/v1/grant", "/api/v1/records"} <= set(schema["paths"])
    flow = schema["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == f"{settings.SITE_URL}/o/authorize/" and "contact:read" in flow["scopes"]
    assert schema["paths"]["/api/v1/records"]["post"]["security"] == [{"oauth2": ["purchases:write"]}, {"bearerAuth": []}]


def test_the_api_docs_page_is_served_without_third_party_scripts(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200 and "cdn.jsdelivr" not in response.content.decode()


def test_the_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/records" in (tmp_path / "schema.yaml").read_text()
