"""Hostile bodies over real HTTP: deeply nested JSON and bodies over the size limit get a 400 or 413 problem
document on every API URL, with or without credentials, and change nothing."""

import base64

import pytest
import requests
from django.conf import settings

from audit.models import AuditEntry
from tests.factories import issue_token, make_client, make_grant
from tests.vendors.api.test_permissions import TABLE
from vrm.models import VaultRecord
from vrm.problems import problem_uri

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NESTED = b"[" * 3000 + b"]" * 3000
NESTED_OBJECT = b'{"data": ' + b'{"a": ' * 100 + b"1" + b"}" * 100 + b', "retention": "P1D"}'


def api_urls():
    """Every /api/v1/ route with a concrete path, and one URL no route serves."""
    urls = ["/" + route.replace("<uuid:receipt_id>", "00000000-0000-0000-0000-000000000000") for route in TABLE]
    return urls + ["/api/v1/no-such-endpoint"]


@pytest.fixture
def credentials():
    """Authorization headers a vendor could send: a bearer token under a live grant, and its client's Basic."""
    oauth_client, secret = make_client()
    grant = make_grant(client=oauth_client, scopes=("contact:read", "purchases:write"))
    basic = base64.b64encode(f"{oauth_client.client_id}:{secret}".encode()).decode()
    return {"none": {}, "bearer": {"Authorization": f"Bearer {issue_token(grant)}"},
            "basic": {"Authorization": f"Basic {basic}"}}


def post(live_server, url, body, headers):
    return requests.post(f"{live_server.url}{url}", data=body, timeout=30,
                         headers={"Content-Type": "application/json", **headers})


def assert_problem(response, allowed):
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "application/problem+json", response.text[:300]
    body = response.json()
    assert body["status"] == response.status_code and body["type"].startswith(settings.SITE_URL + "/api/problems/")
    return body


@pytest.mark.parametrize("who", ["none", "bearer", "basic"])
def test_deeply_nested_json_is_a_problem_on_every_api_url(live_server, credentials, who):
    for url in api_urls():
        response = post(live_server, url, NESTED, credentials[who])

        # 400 where the body is read; before that, the route's own refusal (no credentials, wrong method, no route).
        assert_problem(response, {400, 401, 403, 404, 405})
    assert not VaultRecord.objects.exists()


@pytest.mark.parametrize("who", ["none", "bearer", "basic"])
def test_a_body_over_the_limit_is_a_problem_on_every_api_url(live_server, credentials, who):
    too_big = b'{"receipt": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'

    for url in api_urls():
        response = post(live_server, url, too_big, credentials[who])

        assert_problem(response, {413, 401, 403, 404, 405})
    assert not VaultRecord.objects.exists()


def test_where_the_body_is_read_nesting_is_malformed_body_and_size_is_body_too_large(live_server, credentials):
    too_big = b'{"data": {"note": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}, "retention": "P1D"}'
    writes_before = AuditEntry.objects.filter(event="write").count()

    answers = {
        "verify nested": post(live_server, "/api/v1/receipts/verify", NESTED, {}),
        "record nested": post(live_server, "/api/v1/records", NESTED, credentials["bearer"]),
        "record nested object": post(live_server, "/api/v1/records", NESTED_OBJECT, credentials["bearer"]),
        "deletion nested": post(live_server, "/api/v1/grant/deletion-confirmation", NESTED, credentials["basic"]),
        "record too big": post(live_server, "/api/v1/records", too_big, credentials["bearer"]),
        "verify too big": post(live_server, "/api/v1/receipts/verify", too_big, {}),
    }

    types = {name: assert_problem(response, {400, 413})["type"] for name, response in answers.items()}
    assert types == {
        "verify nested": problem_uri("malformed-body"), "record nested": problem_uri("malformed-body"),
        "record nested object": problem_uri("malformed-body"), "deletion nested": problem_uri("malformed-body"),
        "record too big": problem_uri("body-too-large"), "verify too big": problem_uri("body-too-large"),
    }
    assert not VaultRecord.objects.exists()
    assert AuditEntry.objects.filter(event="write").count() == writes_before
