"""The vendor API for rights requests: list and respond, as the OAuth client, with problem details for refusals."""

import base64
import json
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from rights.models import RightsRequest
from tests.factories import UserFactory, make_client, make_grant
from tests.rights.helpers import file
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db
LIST = "/api/v1/rights-requests"


def basic(client_id, secret):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def response_url(request_id):
    return f"/api/v1/rights-requests/{request_id}/response"


@pytest.fixture
def vendor_client():
    return make_client()


@pytest.fixture
def filed(person, vendor_client):
    oauth_client, secret = vendor_client
    request = file(person, make_grant(person=person, client=oauth_client), now=timezone.now())
    return request, basic(oauth_client.client_id, secret)


def post(client, request_id, body, auth):
    return client.post(response_url(request_id), json.dumps(body), content_type="application/json", **auth)


def snapshot():
    rows = list(RightsRequest.objects.order_by("id").values())
    return rows, AuditEntry.objects.count()


def test_the_client_lists_its_open_requests_only(client, filed, person):
    request, auth = filed
    file(person)  # to another vendor's client
    answered = file(person, request.grant)
    RightsRequest.objects.filter(pk=answered.pk).update(status="answered")

    response = client.get(LIST, **auth)

    assert response.status_code == 200
    listed = response.json()["rights_requests"]
    assert [item["id"] for item in listed] == [str(request.pk)]
    assert listed[0]["kind"] == "access" and listed[0]["legal_basis"] == "GDPR art. 15"
    assert listed[0]["grant_id"] == str(request.grant_id)


def test_without_client_credentials_the_list_is_a_401_problem(client, filed):
    response = client.get(LIST, **basic("nobody", "wrong"))

    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


def test_the_client_answers_an_access_request_with_a_json_attachment(client, filed):
    request, auth = filed

    response = post(client, request.pk, {"outcome": "answered", "attachment": {"orders": ["A-1"]}}, auth)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "answered" and response.json()["has_attachment"] is True
    assert client.get(LIST, **auth).json()["rights_requests"] == []


def test_the_client_extends_with_a_reason(client, filed):
    request, auth = filed

    response = post(client, request.pk, {"outcome": "extended", "reason": "Records are archived"}, auth)

    assert response.status_code == 200
    assert response.json()["status"] == "extended" and response.json()["extended_until"]


@pytest.mark.parametrize(
    "case, status, slug",
    [
        ("unknown id", 404, "not-found"),
        ("another client's request", 404, "not-found"),
        ("oversize attachment", 413, "attachment-too-large"),
        ("after closure", 409, "rights-request-closed"),
        ("refusal without reason", 400, "invalid-response"),
        ("attachment on a deletion", 400, "invalid-response"),
        ("unknown outcome", 400, "invalid-request"),
        ("not JSON", 400, "malformed-body"),
    ],
)
def test_every_bad_response_is_a_problem_and_changes_nothing(client, filed, person, case, status, slug):
    request, auth = filed
    target, body = request.pk, {"outcome": "answered", "attachment": {"orders": ["A-1"]}}
    if case == "unknown id":
        target = uuid.uuid4()
    elif case == "another client's request":
        target = file(UserFactory()).pk
    elif case == "oversize attachment":
        body["attachment"] = {"blob": "x" * 300_000}
    elif case == "after closure":
        assert post(client, request.pk, {"outcome": "refused", "reason": "Identity unverified"}, auth).status_code == 200
    elif case == "refusal without reason":
        body = {"outcome": "refused"}
    elif case == "attachment on a deletion":
        target = file(person, request.grant, kind="deletion").pk
    elif case == "unknown outcome":
        body = {"outcome": "ignored"}
    before = snapshot()

    if case == "not JSON":
        response = client.post(response_url(target), "{not json", content_type="application/json", **auth)
    else:
        response = post(client, target, body, auth)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == problem_uri(slug)
    assert snapshot() == before


def test_a_non_uuid_id_is_a_404_problem(client, filed):
    _, auth = filed

    response = client.post("/api/v1/rights-requests/42/response", "{}", content_type="application/json", **auth)

    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "get" in schema["paths"]["/api/v1/rights-requests"]
    operation = schema["paths"]["/api/v1/rights-requests/{request_id}/response"]["post"]
    assert {"200", "400", "401", "404", "409", "413"} <= set(operation["responses"])
    assert {"clientBasic": []} in operation["security"]
