"""RFC 9700 points of the authorization server, black-box over real HTTP against the live server.

The vendor side is authlib's requests client, unchanged; the person's browser is a requests session
carrying their login. Only the expired-code test reaches into the database, to age a code.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone

from tests.integration.test_oauth_flow import ConsentForm, browser_of
from tests.factories import REDIRECT_URI, make_client, pkce_pair
from vendors.models import AccessToken, AuthorizationCode

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def issuer_is_the_live_server(live_server, site_url):
    site_url(live_server.url)


@pytest.fixture(autouse=True)
def plain_http(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live test server speaks plain http


@pytest.fixture
def vendor_a():
    return make_client()


@pytest.fixture
def vendor_b():
    return make_client()


def authorize_url(live_server, oauth_client, **overrides):
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code", "client_id": oauth_client.client_id, "redirect_uri": REDIRECT_URI,
        "scope": "contact:read", "state": "state-123", "code_challenge": challenge, "code_challenge_method": "S256",
        "purpose": "delivery", "duration": "P30D", **overrides,
    }
    params = {key: value for key, value in params.items() if value is not None}
    return f"{live_server.url}/o/authorize/?{urlencode(params)}", verifier


def consent_form(browser, url):
    page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    parser = ConsentForm()
    parser.feed(page.text)
    return parser.fields


def submit(browser, url, fields, choice="allow"):
    return browser.post(url.split("?")[0], data=[*fields, (choice, "on")], headers={"Referer": url}, allow_redirects=False)


def query_of(location):
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def session_of(registered):
    oauth_client, secret = registered
    return OAuth2Session(oauth_client.client_id, secret, redirect_uri=REDIRECT_URI, token_endpoint_auth_method="client_secret_basic")


def code_for(live_server, registered, person):
    url, verifier = authorize_url(live_server, registered[0])
    browser = browser_of(person, live_server)
    location = submit(browser, url, consent_form(browser, url)).headers["Location"]
    return query_of(location)["code"], verifier


def exchange(live_server, registered, code, verifier):
    oauth_client, secret = registered
    return requests.post(
        f"{live_server.url}/o/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        auth=(oauth_client.client_id, secret),
    )


def tokens_for(live_server, registered, person):
    code, verifier = code_for(live_server, registered, person)
    response = exchange(live_server, registered, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()


def read_profile(live_server, access_token):
    return requests.get(f"{live_server.url}/api/v1/profile", headers={"Authorization": f"Bearer {access_token}"})


def refresh(live_server, registered, refresh_token):
    oauth_client, secret = registered
    return requests.post(
        f"{live_server.url}/o/token/", data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(oauth_client.client_id, secret),
    )


REDIRECT_VARIANTS = {
    "extra query": REDIRECT_URI + "?next=https://evil.example/",
    "different path": "https://shop.example/callback/evil",
    "path traversal": "https://shop.example/callback/../evil",
    "prefix path": "https://shop.example/call",
    "userinfo": "https://evil.example@shop.example/callback",
    "fragment": REDIRECT_URI + "#fragment",
    "different port": "https://shop.example:8443/callback",
    "different host": "https://evil.example/callback",
    "suffix host": "https://shop.example.evil.example/callback",
    "http scheme": "http://shop.example/callback",
    "trailing slash": REDIRECT_URI + "/",
    "upper case path": "https://shop.example/CALLBACK",
}


@pytest.mark.parametrize("redirect_uri", REDIRECT_VARIANTS.values(), ids=REDIRECT_VARIANTS.keys())
def test_every_redirect_uri_variant_is_refused_without_redirecting(live_server, vendor_a, person, redirect_uri):
    url, _ = authorize_url(live_server, vendor_a[0], redirect_uri=redirect_uri)

    response = browser_of(person, live_server).get(url, allow_redirects=False)

    assert response.status_code == 400, (response.status_code, response.headers.get("Location"))
    assert "Location" not in response.headers
    assert not AuthorizationCode.objects.exists()


@pytest.mark.parametrize("redirect_uri", [REDIRECT_VARIANTS["extra query"], REDIRECT_VARIANTS["different host"]])
def test_a_redirect_uri_swapped_into_the_consent_form_is_refused_without_redirecting(live_server, vendor_a, person, redirect_uri):
    url, _ = authorize_url(live_server, vendor_a[0])
    browser = browser_of(person, live_server)
    fields = [(name, redirect_uri if name == "redirect_uri" else value) for name, value in consent_form(browser, url)]

    response = submit(browser, url, fields)

    assert response.status_code == 400 and "Location" not in response.headers
    assert not AuthorizationCode.objects.exists()


def test_implicit_and_password_grants_are_not_advertised(live_server):
    metadata = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()

    assert metadata["response_types_supported"] == ["code"]
    assert not {"implicit", "password"} & set(metadata["grant_types_supported"])
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_the_implicit_grant_is_refused(live_server, vendor_a, person):
    url, _ = authorize_url(live_server, vendor_a[0], response_type="token")

    response = browser_of(person, live_server).get(url, allow_redirects=False)

    location = response.headers.get("Location", "")
    assert "access_token" not in location and "#" not in location
    assert query_of(location)["error"] in ("unsupported_response_type", "unauthorized_client")
    assert not AccessToken.objects.exists()


def test_the_password_grant_is_refused(live_server, vendor_a, person):
    oauth_client, secret = vendor_a

    response = requests.post(
        f"{live_server.url}/o/token/",
        data={"grant_type": "password", "username": person.username, "password": "correct horse battery 9"},
        auth=(oauth_client.client_id, secret),
    )

    assert response.status_code in (400, 401) and "access_token" not in response.json()
    assert response.json()["error"] in ("unsupported_grant_type", "unauthorized_client")


@pytest.mark.parametrize("method, challenge", [(None, None), ("plain", "plain-challenge-" + "x" * 40)], ids=["missing", "plain"])
def test_missing_or_plain_pkce_is_refused(live_server, vendor_a, person, method, challenge):
    url, _ = authorize_url(live_server, vendor_a[0], code_challenge=challenge, code_challenge_method=method)

    response = browser_of(person, live_server).get(url, allow_redirects=False)

    assert response.status_code == 302, response.text[:300]
    assert query_of(response.headers["Location"])["error"] == "invalid_request"
    assert not AuthorizationCode.objects.exists()


def test_a_code_used_twice_fails_and_revokes_the_first_uses_tokens(live_server, vendor_a, person):
    code, verifier = code_for(live_server, vendor_a, person)
    first = exchange(live_server, vendor_a, code, verifier).json()
    assert read_profile(live_server, first["access_token"]).status_code == 200

    replay = exchange(live_server, vendor_a, code, verifier)

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert read_profile(live_server, first["access_token"]).status_code == 401
    assert refresh(live_server, vendor_a, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_code_older_than_its_lifetime_fails(live_server, vendor_a, person):
    code, verifier = code_for(live_server, vendor_a, person)
    AuthorizationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = exchange(live_server, vendor_a, code, verifier)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_code_is_bound_to_its_client(live_server, vendor_a, vendor_b, person):
    code, verifier = code_for(live_server, vendor_a, person)

    stolen = exchange(live_server, vendor_b, code, verifier)

    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(application=vendor_b[0]).exists()


def test_a_replayed_rotated_refresh_token_revokes_the_family(live_server, vendor_a, person):
    session = session_of(vendor_a)
    first = tokens_for(live_server, vendor_a, person)
    session.token = first
    second = session.refresh_token(f"{live_server.url}/o/token/")
    assert second["refresh_token"] != first["refresh_token"]

    replay = refresh(live_server, vendor_a, first["refresh_token"])

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert read_profile(live_server, second["access_token"]).status_code == 401
    assert refresh(live_server, vendor_a, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_an_access_token_in_the_query_string_or_form_body_is_refused(live_server, vendor_a, person):
    access_token = tokens_for(live_server, vendor_a, person)["access_token"]

    in_query = requests.get(f"{live_server.url}/api/v1/profile", params={"access_token": access_token})
    in_body = requests.post(f"{live_server.url}/api/v1/records", data={"access_token": access_token, "retention": "P1D"})

    for response in (in_query, in_body):
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "ada@example.org" not in response.text


def test_revoking_another_clients_tokens_changes_nothing(live_server, vendor_a, vendor_b, person):
    tokens = tokens_for(live_server, vendor_a, person)
    other_client, other_secret = vendor_b

    for token, hint in [(tokens["access_token"], "access_token"), (tokens["refresh_token"], "refresh_token")]:
        requests.post(
            f"{live_server.url}/o/revoke_token/", data={"token": token, "token_type_hint": hint},
            auth=(other_client.client_id, other_secret),
        )

    assert read_profile(live_server, tokens["access_token"]).json()["profile"] == {"contact": {"email": "ada@example.org"}}
    assert refresh(live_server, vendor_a, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("choice", ["allow", "deny"])
def test_the_authorization_response_names_the_issuer(live_server, vendor_a, person, choice):
    metadata = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    url, _ = authorize_url(live_server, vendor_a[0])
    browser = browser_of(person, live_server)

    response = submit(browser, url, consent_form(browser, url), choice=choice)

    answer = query_of(response.headers["Location"])
    assert answer["iss"] == metadata["issuer"] == live_server.url
    assert answer["state"] == "state-123"
    assert ("code" in answer) if choice == "allow" else (answer["error"] == "access_denied")
    assert metadata["authorization_response_iss_parameter_supported"] is True


LOOPBACK_REDIRECT_URI = "http://127.0.0.1:8765/callback"
AUTHORIZATION_REQUEST_ERRORS = {
    "no code_challenge": ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    "response_type=token": ({"response_type": "token"}, ("unsupported_response_type", "unauthorized_client")),
    "unknown scope": ({"scope": "no-such:scope"}, "invalid_scope"),
    "auditor scope": ({"scope": "audit:read"}, "invalid_scope"),
    "openid scope": ({"scope": "openid"}, "invalid_scope"),
    "prompt=none": ({"prompt": "none"}, "consent_required"),
}


@pytest.mark.parametrize("redirect_uri", [REDIRECT_URI, LOOPBACK_REDIRECT_URI], ids=["https", "loopback-http"])
@pytest.mark.parametrize("overrides, expected", AUTHORIZATION_REQUEST_ERRORS.values(), ids=AUTHORIZATION_REQUEST_ERRORS.keys())
def test_an_authorization_request_error_is_redirected_with_iss_and_a_description(
    live_server, person, redirect_uri, overrides, expected
):
    oauth_client, _ = make_client(redirect_uris=(redirect_uri,))
    url, _ = authorize_url(live_server, oauth_client, redirect_uri=redirect_uri, **overrides)

    response = browser_of(person, live_server).get(url, allow_redirects=False)

    assert response.status_code == 302, response.text[:300]
    assert response.headers["Location"].startswith(redirect_uri + "?")
    answer = query_of(response.headers["Location"])
    assert answer["error"] in ((expected,) if isinstance(expected, str) else expected)
    assert answer["iss"] == live_server.url and answer["state"] == "state-123" and answer["error_description"]
    assert not AuthorizationCode.objects.exists()
