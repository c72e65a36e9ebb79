"""A second, independent OAuth client library (requests-oauthlib, on oauthlib's client) against the live server.

It configures itself from the RFC 8414 metadata and runs the whole flow unchanged: PKCE S256, state,
code exchange with HTTP Basic, an API read, refresh rotation, revocation. Error redirects reach it and
it raises the OAuth error they name; before handing it a redirect, the test checks ``iss`` against the
metadata's issuer as an RFC 9207 client does.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauthlib.oauth2.rfc6749 import errors as oauth_errors
from requests_oauthlib import OAuth2Session

from tests.integration.test_oauth_flow import ConsentForm, browser_of, give_consent, register_vendor

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDIRECT_URI = "http://127.0.0.1:8765/callback"


@pytest.fixture(autouse=True)
def issuer_is_the_live_server(live_server, site_url, monkeypatch):
    site_url(live_server.url)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the live test server speaks plain http


@pytest.fixture
def metadata(live_server):
    return requests.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()


def checked_issuer(callback, metadata):
    """RFC 9207 section 2.4: the response's iss must be the issuer the client configured itself from."""
    iss = parse_qs(urlsplit(callback).query)["iss"]
    assert iss == [metadata["issuer"]], (iss, metadata["issuer"])
    return callback


def test_requests_oauthlib_runs_the_whole_flow(live_server, person, metadata):
    vendor = register_vendor()
    session = OAuth2Session(vendor["client_id"], redirect_uri=REDIRECT_URI, scope=["contact:read"], pkce="S256")
    url, state = session.authorization_url(metadata["authorization_endpoint"], purpose="delivery", duration="P30D")

    callback = checked_issuer(give_consent(browser_of(person, live_server), url), metadata)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, client_secret=vendor["client_secret"])
    profile = session.get(f"{live_server.url}/api/v1/profile")
    refreshed = session.refresh_token(metadata["token_endpoint"], auth=(vendor["client_id"], vendor["client_secret"]))
    revoked = requests.post(
        metadata["revocation_endpoint"], data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(vendor["client_id"], vendor["client_secret"]),
    )
    after_revocation = session.get(f"{live_server.url}/api/v1/profile")

    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    assert token["scope"] == ["contact:read"]
    assert profile.json()["profile"] == {"contact": {"email": "ada@example.org"}}
    assert refreshed["access_token"] != token["access_token"] and refreshed["refresh_token"] != token["refresh_token"]
    assert revoked.status_code == 200
    assert after_revocation.status_code == 401


@pytest.mark.parametrize(
    "scope, error_class",
    [(["audit:read"], oauth_errors.InvalidScopeError), (["no-such:scope"], oauth_errors.InvalidScopeError)],
    ids=["auditor scope", "unknown scope"],
)
def test_an_error_redirect_reaches_requests_oauthlib_as_its_oauth_error(live_server, person, metadata, scope, error_class):
    vendor = register_vendor()
    session = OAuth2Session(vendor["client_id"], redirect_uri=REDIRECT_URI, scope=scope, pkce="S256")
    url, _ = session.authorization_url(metadata["authorization_endpoint"])

    response = browser_of(person, live_server).get(url, allow_redirects=False)
    callback = checked_issuer(response.headers["Location"], metadata)

    assert response.status_code == 302 and callback.startswith(REDIRECT_URI + "?")
    with pytest.raises(error_class) as raised:
        session.fetch_token(metadata["token_endpoint"], authorization_response=callback, client_secret=vendor["client_secret"])
    assert raised.value.description


def test_a_denial_reaches_requests_oauthlib_as_access_denied(live_server, person, metadata):
    vendor = register_vendor()
    session = OAuth2Session(vendor["client_id"], redirect_uri=REDIRECT_URI, scope=["contact:read"], pkce="S256")
    url, _ = session.authorization_url(metadata["authorization_endpoint"])
    browser = browser_of(person, live_server)
    page = browser.get(url, allow_redirects=False)
    parser = ConsentForm()
    parser.feed(page.text)
    answer = browser.post(url.split("?")[0], data=[*parser.fields, ("deny", "on")], headers={"Referer": url}, allow_redirects=False)
    callback = checked_issuer(answer.headers["Location"], metadata)

    with pytest.raises(oauth_errors.AccessDeniedError):
        session.fetch_token(metadata["token_endpoint"], authorization_response=callback, client_secret=vendor["client_secret"])
