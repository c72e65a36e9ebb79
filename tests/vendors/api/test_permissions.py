"""The permission table (STYLE point 14): every API URL x method x actor, and the status it must get."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, issue_token, make_auditor_client, make_grant
from vendors.api import urls as vendor_api_urls
from vendors.api.permissions import GrantPermission
from vendors.models import AccessToken
from vrm import vault
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db

RECORD = {"data": {"item": "Rain jacket", "price": "89.00"}, "retention": "P2Y"}
ENDPOINTS = [("get", "/api/v1/profile"), ("get", "/api/v1/grant"), ("post", "/api/v1/records")]
OTHER_METHODS = [("post", "/api/v1/profile"), ("delete", "/api/v1/grant"), ("get", "/api/v1/records")]


def actor_token(actor):
    """A raw access token for each kind of caller (None: no token at all)."""
    if actor == "anonymous":
        return None
    if actor == "garbage":
        return "not-a-token"
    if actor == "auditor":
        client, _ = make_auditor_client()
        token = AccessToken(application=client, scope="audit:read", expires=timezone.now() + timedelta(hours=1))
        token._raw_token, token.token = "auditor-token-123", ""
        token.save()
        return "auditor-token-123"
    scopes = {
        "reader": ("contact:read", "address:read"),
        "writer": ("purchases:write",),
        "all": ("contact:read", "address:read", "purchases:write"),
    }.get(actor, ("contact:read", "purchases:write"))
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "ada@example.org"})
    fields = {
        "paused": {"status": "paused"},
        "expired": {"status": "expired"},
        "past_end": {"expires_at": timezone.now() + timedelta(seconds=2)},
    }.get(actor, {})
    grant = make_grant(person=person, scopes=scopes, **fields)
    raw = issue_token(grant)
    if actor == "past_end":
        # The grant's end passed but no sweep has run yet: access ends anyway.
        grant.expires_at = timezone.now() - timedelta(seconds=1)
        grant.save(update_fields=["expires_at"])
        AccessToken.objects.filter(consent=grant).update(expires=timezone.now() + timedelta(hours=1))
    if actor == "revoked":
        from consents.grants import revoke_grant

        revoke_grant(grant, actor=person)
    if actor == "expired_token":
        AccessToken.objects.filter(consent=grant).update(expires=timezone.now() - timedelta(seconds=1))
    return raw


# actor -> expected status for GET profile, GET grant, POST records
TABLE = {
    "anonymous": (401, 401, 401),
    "garbage": (401, 401, 401),
    "expired_token": (401, 401, 401),
    "revoked": (401, 401, 401),
    "auditor": (403, 403, 403),
    "paused": (403, 403, 403),
    "expired": (403, 403, 403),
    "past_end": (403, 403, 403),
    "reader": (200, 200, 403),
    "writer": (403, 200, 201),
    "all": (200, 200, 201),
}


def call(client, method, url, raw):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    if method == "post":
        return getattr(client, method)(url, RECORD, content_type="application/json", **headers)
    return getattr(client, method)(url, **headers)


@pytest.mark.parametrize("actor", list(TABLE))
@pytest.mark.parametrize("index", range(len(ENDPOINTS)))
def test_permission_table(client, actor, index):
    method, url = ENDPOINTS[index]
    raw = actor_token(actor)

    response = call(client, method, url, raw)

    assert response.status_code == TABLE[actor][index], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code and response.json()["detail"]


@pytest.mark.parametrize("method, url", OTHER_METHODS)
def test_other_methods_are_not_allowed(client, method, url):
    raw = actor_token("all")

    response = call(client, method, url, raw)

    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"


def test_the_table_covers_every_vendor_api_endpoint_and_each_is_guarded():
    patterns = [p for p in vendor_api_urls.urlpatterns if p.name != "api-not-found"]

    assert {f"/api/v1/{p.pattern}" for p in patterns} == {url for _, url in ENDPOINTS}
    assert all(GrantPermission in p.callback.view_class.permission_classes for p in patterns)


def test_a_token_in_the_query_string_or_body_is_refused(client):
    raw = actor_token("all")

    in_query = client.get(f"/api/v1/profile?access_token={raw}")
    in_body = client.post("/api/v1/records", {**RECORD, "access_token": raw}, content_type="application/x-www-form-urlencoded")

    assert (in_query.status_code, in_body.status_code) == (401, 401)
    assert "Authorization header" in in_query.json()["detail"]


def test_an_unknown_api_url_is_a_problem_not_a_page(client):
    response = client.get("/api/v1/secrets")

    assert response.status_code == 404 and response.json()["type"] == problem_uri("not-found")
