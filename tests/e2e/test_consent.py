"""Done-when of issue 4: a vendor registered from the command line runs authlib through discovery and
PKCE, the person consents in real Chromium with one scope unticked, and the vendor reads exactly that."""

import json
from io import StringIO

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.management import call_command
from django.test import Client

from consents.models import Grant
from tests.factories import UserFactory
from vrm import vault

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REDIRECT_URI = "http://127.0.0.1:8765/callback"


def log_in(page, user, live_server):
    django_client = Client()
    django_client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": django_client.cookies["sessionid"].value, "url": live_server.url}])


def catch_callback(page):
    """Answer the vendor's redirect URI inside the browser and remember the URL it was sent to."""
    seen = []

    def handle(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/plain", body="vendor callback")

    page.route("http://127.0.0.1:8765/**", handle)
    return seen


def test_consent_in_the_browser_with_one_scope_unticked(page, live_server, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "ada@example.org"})
    vault.update_profile(person, category="address", values={"city": "Lovelace Town"})
    out = StringIO()
    call_command("register_vendor", "--name", "Outfitters", "--redirect-uri", REDIRECT_URI, "--verified", "--json", stdout=out)
    vendor = json.loads(out.getvalue())
    metadata = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    session = OAuth2Session(
        vendor["client_id"], vendor["client_secret"], scope="contact:read address:read",
        redirect_uri=REDIRECT_URI, code_challenge_method="S256",
    )
    verifier = "browser-consent-verifier-0123456789-abcdefghijklmnop"
    url, _ = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, purpose="delivery", duration="P30D", retention="P7D"
    )
    log_in(page, person, live_server)
    callbacks = catch_callback(page)

    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == "Outfitters asks to read your profile"
    assert page.get_by_text("Verified organisation").is_visible()
    assert page.get_by_text("Lovelace Town").is_visible() and page.get_by_text("ada@example.org").is_visible()
    page.get_by_label("Read your address").uncheck()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("http://127.0.0.1:8765/callback**")

    session.fetch_token(metadata["token_endpoint"], authorization_response=callbacks[-1], code_verifier=verifier)
    profile = session.get(f"{live_server.url}/api/v1/profile").json()

    assert profile["profile"] == {"contact": {"email": "ada@example.org"}}
    assert Grant.objects.get(person=person).scopes == ["contact:read"]


def test_deny_in_the_browser_sends_access_denied_to_the_vendor(page, live_server):
    person = UserFactory()
    out = StringIO()
    call_command("register_vendor", "--name", "Outfitters", "--redirect-uri", REDIRECT_URI, "--json", stdout=out)
    vendor = json.loads(out.getvalue())
    session = OAuth2Session(vendor["client_id"], scope="contact:read", redirect_uri=REDIRECT_URI, code_challenge_method="S256")
    url, state = session.create_authorization_url(f"{live_server.url}/o/authorize/", code_verifier="d" * 50)
    log_in(page, person, live_server)
    callbacks = catch_callback(page)

    page.goto(url)
    assert page.get_by_text("Not verified").is_visible()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url("http://127.0.0.1:8765/callback**")

    assert "error=access_denied" in callbacks[-1] and f"state={state}" in callbacks[-1]
    assert not Grant.objects.exists()
