"""The permission table (STYLE point 14): every /api/v1/ route x the state of the caller's grant, and the status
it must get. A route added without a row here fails test_the_table_covers_every_api_route."""

import base64
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from audit.log import record_grant_event
from audit.models import Receipt
from consents.expiry import expire_due_grants
from consents.grants import pause_grant, revoke_grant
from consents.models import Grant
from rights.clocks import DELETION
from rights.services import file_request
from tests.factories import issue_token, make_client, make_grant
from vendors.api.permissions import GrantPermission
from vendors.models import AccessToken
from vrm import vault
from vrm.models import VaultRecord
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db

STATES = ["active", "paused", "past_end", "expired", "revoked", "other_clients_grant"]
ROUTE_ONLY_OWN = 200  # "other_clients_grant" on a route without an object: answers about the caller's own grant

# route -> (method, status for each state in STATES)
TABLE = {
    "api/v1/profile": ("get", [200, 403, 401, 401, 401, ROUTE_ONLY_OWN]),
    "api/v1/grant": ("get", [200, 403, 401, 401, 401, ROUTE_ONLY_OWN]),
    "api/v1/records": ("post", [201, 403, 401, 401, 401, 201]),
    "api/v1/receipts": ("get", [200, 403, 401, 401, 401, ROUTE_ONLY_OWN]),
    "api/v1/receipts/<uuid:receipt_id>": ("get", [200, 403, 401, 401, 401, 404]),
    # Public: anyone may check a receipt, whatever became of its grant.
    "api/v1/receipts/verify": ("post", [200, 200, 200, 200, 200, 200]),
    # The client itself (HTTP Basic), about a grant it names: only an ended grant's deletion can be confirmed.
    "api/v1/grant/deletion-confirmation": ("post", [409, 409, 409, 200, 200, 404]),
    # The client itself (HTTP Basic): the rights requests filed with it outlive their grant; another client's
    # request is not found.
    "api/v1/rights-requests": ("get", [200, 200, 200, 200, 200, 200]),
    "api/v1/rights-requests/<uuid:request_id>/response": ("post", [200, 200, 200, 200, 200, 404]),
    # Auditors only: a vendor's token is refused whatever its grant's state.
    "api/v1/audit/entries": ("get", [403, 403, 401, 401, 401, 403]),
    "api/v1/audit/grants": ("get", [403, 403, 401, 401, 401, 403]),
    "api/v1/audit/overdue-deletions": ("get", [403, 403, 401, 401, 401, 403]),
    "api/v1/audit/checkpoints": ("get", [403, 403, 401, 401, 401, 403]),
    "api/v1/audit/status": ("get", [403, 403, 401, 401, 401, 403]),
    "api/v1/audit/log": ("get", [403, 403, 401, 401, 401, 403]),
}
PUBLIC = {"api/v1/receipts/verify"}
CLIENT_AUTHENTICATED = {
    "api/v1/grant/deletion-confirmation", "api/v1/rights-requests", "api/v1/rights-requests/<uuid:request_id>/response",
}
AUDITOR_ONLY = {route for route in TABLE if route.startswith("api/v1/audit/")}
GRANT_PROBLEMS = {"paused": "grant-paused"}
# A token whose grant has ended is no longer a credential (RFC 6750 invalid_token), and says why.
ENDED_CHALLENGES = {"past_end": 'error_description="grant expired"', "expired": "invalid_token", "revoked": "invalid_token"}


def api_routes(patterns=None, prefix=""):
    """Every route the project serves under /api/v1/, as its pattern string (the catch-all 404 left out)."""
    routes = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes |= api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/") and entry.name != "api-not-found":
            routes.add(route)
    return routes


def view_of(route):
    path = route.replace("<uuid:receipt_id>", str(uuid.uuid4())).replace("<uuid:request_id>", str(uuid.uuid4()))
    return get_resolver().resolve("/" + path).func.view_class


class Caller:
    """A vendor client with a grant in one of STATES, a bearer token under it and its client secret."""

    def __init__(self, state):
        self.oauth_client, self.secret = make_client()
        self.grant = make_grant(client=self.oauth_client, scopes=("contact:read", "purchases:write"))
        vault.update_profile(self.grant.person, category="contact", values={"email": "ada@example.org"})
        record_grant_event(self.grant, "created", actor=self.grant.person)
        self.receipt = Receipt.objects.get(grant_id=self.grant.pk)
        self.token = issue_token(self.grant, refresh=False)
        self.target, self.target_receipt = self.grant, self.receipt  # the grant and receipt the request names
        if state == "paused":
            pause_grant(self.grant, actor=self.grant.person)
        elif state == "past_end":  # the end passed, no sweep has run yet: access ends anyway
            Grant.objects.filter(pk=self.grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
            AccessToken.objects.filter(consent=self.grant).update(expires=timezone.now() + timedelta(hours=1))
        elif state == "expired":
            Grant.objects.filter(pk=self.grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
            expire_due_grants()
        elif state == "revoked":
            revoke_grant(self.grant, actor=self.grant.person)
        elif state == "other_clients_grant":
            self.target = make_grant(scopes=("contact:read",))
            record_grant_event(self.target, "created", actor=self.target.person)
            self.target_receipt = Receipt.objects.get(grant_id=self.target.pk)
        # A rights request the person filed under the grant the request names (live or ended).
        self.target_request = file_request(self.target.person, self.target, kind=DELETION)

    def request(self, route):
        method, _ = TABLE[route]
        url = "/" + route.replace("<uuid:receipt_id>", str(self.target_receipt.id)).replace(
            "<uuid:request_id>", str(self.target_request.pk)
        )
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        body = {}
        if route == "api/v1/records":
            body = {"data": {"item": "Rain jacket"}, "retention": "P1D"}
        elif route == "api/v1/receipts/verify":
            body, headers = {"receipt": self.target_receipt.document()}, {}
        elif route in CLIENT_AUTHENTICATED:
            body = {"grant_id": str(self.target.pk)} if "grant" in route else {"outcome": "answered"}
            credentials = base64.b64encode(f"{self.oauth_client.client_id}:{self.secret}".encode()).decode()
            headers = {"HTTP_AUTHORIZATION": f"Basic {credentials}"}
        client = Client()
        if method == "post":
            return client.post(url, body, content_type="application/json", **headers)
        return client.get(url, **headers)


def test_the_table_covers_every_api_route():
    assert api_routes() == set(TABLE)


def test_every_route_under_a_grant_passes_the_one_grant_check():
    under_grant = set(TABLE) - PUBLIC - CLIENT_AUTHENTICATED - AUDITOR_ONLY

    assert len(under_grant) == 5
    assert [route for route in under_grant if GrantPermission not in view_of(route).permission_classes] == []


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("route", sorted(TABLE))
def test_permission_table(route, state):
    caller = Caller(state)

    response = caller.request(route)

    assert response.status_code == TABLE[route][1][STATES.index(state)], response.content
    if response.status_code >= 400:
        body = response.json()
        assert response["Content-Type"] == "application/problem+json"
        assert body["status"] == response.status_code and body["detail"]
        if route not in AUDITOR_ONLY | CLIENT_AUTHENTICATED and state in GRANT_PROBLEMS:
            assert body["type"] == problem_uri(GRANT_PROBLEMS[state])
        if response.status_code == 401 and route not in PUBLIC | CLIENT_AUTHENTICATED:
            assert ENDED_CHALLENGES[state] in response["WWW-Authenticate"]
    elif state == "other_clients_grant" and route not in PUBLIC:
        assert str(caller.target.pk) not in response.content.decode()


@pytest.mark.parametrize("state", ["paused", "past_end", "other_clients_grant"])
def test_a_refused_or_foreign_write_changes_nothing_of_the_other_grant(state):
    caller = Caller(state)
    before = VaultRecord.objects.count()

    response = caller.request("api/v1/records")

    written = VaultRecord.objects.count() - before
    refused = {"paused": 403, "past_end": 401}
    assert (response.status_code, written) == ((201, 1) if state == "other_clients_grant" else (refused[state], 0))
    assert not VaultRecord.objects.filter(vault__person=caller.target.person).exclude(vault__person=caller.grant.person).exists()


@pytest.mark.parametrize("method, url", [("post", "/api/v1/profile"), ("delete", "/api/v1/grant"),
                                         ("get", "/api/v1/records"), ("put", "/api/v1/receipts")])
def test_other_methods_are_not_allowed(method, url):
    caller = Caller("active")

    response = getattr(Client(), method)(url, HTTP_AUTHORIZATION=f"Bearer {caller.token}")

    assert response.status_code == 405 and response.json()["type"] == problem_uri("method-not-allowed")


def test_a_token_in_the_query_string_or_body_is_refused(client):
    caller = Caller("active")

    in_query = client.get(f"/api/v1/profile?access_token={caller.token}")
    in_body = client.post("/api/v1/records", {"access_token": caller.token}, content_type="application/x-www-form-urlencoded")

    assert (in_query.status_code, in_body.status_code) == (401, 401)
    assert "Authorization header" in in_query.json()["detail"]


def test_an_unknown_api_url_is_a_problem_not_a_page(client):
    response = client.get("/api/v1/secrets")

    assert response.status_code == 404 and response.json()["type"] == problem_uri("not-found")
