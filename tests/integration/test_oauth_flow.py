"""A standard OAuth client library (authlib), unchanged, against the live server: discovery, PKCE,
code exchange, API reads, refresh, introspection and revocation. The person's consent is given over
real HTTP with their session."""

import json
from html.parser import HTMLParser
from io import StringIO

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.management import call_command
from django.test import Client


pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def issuer_is_the_live_server(live_server, site_url):
    site_url(live_server.url)

REDIRECT_URI = "http://127.0.0.1:8765/callback"


class ConsentForm(HTMLParser):
    """The consent form's fields as the page renders them (hidden inputs, checked boxes, selected duration)."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and (attrs.get("type") == "hidden" or "checked" in attrs):
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self.in_select = attrs["name"]
        elif tag == "option" and self.in_select and "selected" in attrs:
            self.fields.append((self.in_select, attrs["value"]))

    def handle_endtag(self, tag):
        if tag == "select":
            self.in_select = None


def register_vendor():
    out = StringIO()
    call_command("register_vendor", "--name", "Outfitters", "--redirect-uri", REDIRECT_URI, "--verified", "--json", stdout=out)
    return json.loads(out.getvalue())


def browser_of(person, live_server):
    """A requests session carrying the person's login, as their browser would."""
    django_client = Client()
    django_client.force_login(person)
    browser = requests.Session()
    browser.cookies.set("sessionid", django_client.cookies["sessionid"].value, domain="localhost.local")
    browser.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return browser


def give_consent(browser, authorization_url, *, untick=()):
    page = browser.get(authorization_url, allow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    parser = ConsentForm()
    parser.feed(page.text)
    data = [(name, value) for name, value in parser.fields if not (name == "granted_scopes" and value in untick)]
    data.append(("allow", "on"))
    answer = browser.post(
        authorization_url.split("?")[0], data=data, headers={"Referer": authorization_url}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def test_a_standard_client_library_runs_the_whole_flow(live_server, person, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live test server speaks plain http
    vendor = register_vendor()
    metadata = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    session = OAuth2Session(
        vendor["client_id"], vendor["client_secret"], scope="contact:read address:read",
        redirect_uri=REDIRECT_URI, code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )
    verifier = "v" * 20 + "erifier-for-pkce-0123456789-abcdefghij"
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, purpose="delivery", duration="P30D"
    )

    callback = give_consent(browser_of(person, live_server), url, untick=("address:read",))
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    profile = session.get(f"{live_server.url}/api/v1/profile").json()
    refreshed = session.refresh_token(metadata["token_endpoint"])
    introspection = session.introspect_token(metadata["introspection_endpoint"], token=refreshed["access_token"]).json()
    session.revoke_token(metadata["revocation_endpoint"], token=refreshed["access_token"], token_type_hint="access_token")
    after_revocation = session.get(f"{live_server.url}/api/v1/profile")

    assert f"iss={live_server.url.replace(':', '%3A').replace('/', '%2F')}" in callback and f"state={state}" in callback
    assert token["scope"] == "contact:read"
    assert profile["profile"] == {"contact": {"email": "ada@example.org"}}
    assert refreshed["access_token"] != token["access_token"]
    assert introspection["active"] is True and introspection["scope"] == "contact:read"
    assert after_revocation.status_code == 401
    assert after_revocation.headers["Content-Type"] == "application/problem+json"
