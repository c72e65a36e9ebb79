"""The authorization server's RFC 9700 behaviour, through its endpoints (vendors/oauth.py and DOT's settings)."""

import base64
import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.utils import timezone

from consents.grants import revoke_grant
from consents.models import Grant
from tests.factories import PASSWORD, REDIRECT_URI, make_auditor_client, make_client, pkce_pair
from tests.vendors.flow import answer, authorize_params, consent_screen, exchange, query_of, tokens_for
from vendors.models import AccessToken, AuthorizationCode, OAuthClient, RefreshToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered():
    return make_client()


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_for(browser, oauth_client, person, **extra):
    browser.force_login(person)
    screen, verifier = consent_screen(browser, oauth_client, **extra)
    code = query_of(answer(browser, screen))["code"]
    browser.logout()
    return code, verifier


def refresh(browser, oauth_client, secret, refresh_token):
    return browser.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret),
    )


def test_tokens_are_tied_to_the_grant_and_stored_only_as_checksums(client, registered, person):
    oauth_client, secret = registered

    tokens = tokens_for(client, oauth_client, secret, person)

    grant = Grant.objects.get(person=person)
    access, refresh_token = AccessToken.objects.get(), RefreshToken.objects.get()
    assert (access.consent, refresh_token.consent) == (grant, grant)
    assert access.token == "" and refresh_token.token == ""
    assert tokens["access_token"] not in str(AccessToken.objects.values_list())


def test_client_secrets_are_stored_as_salted_sha256(registered):
    oauth_client, secret = registered

    oauth_client.refresh_from_db()

    algorithm, salt, digest = oauth_client.client_secret.split("$")
    assert algorithm == "client_secret_sha256" and secret not in oauth_client.client_secret
    assert digest == hashlib.sha256(f"{salt}${secret}".encode()).hexdigest()


@pytest.mark.parametrize("path, data", [
    ("/o/introspect/", {"token": "unknown"}),
    ("/o/token/", {"grant_type": "refresh_token", "refresh_token": "unknown"}),
    ("/api/v1/grant/deletion-confirmation", {"grant_id": "00000000-0000-0000-0000-000000000000"}),
], ids=["introspection", "token", "deletion confirmation"])
def test_a_secret_stored_under_argon2_still_works_and_is_re_stored_as_sha256(client, registered, path, data):
    oauth_client, secret = registered
    OAuthClient.objects.filter(pk=oauth_client.pk).update(client_secret=make_password(secret, hasher="argon2"))

    wrong = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret[:-1]))
    still_argon2 = OAuthClient.objects.get(pk=oauth_client.pk).client_secret.startswith("argon2")
    right = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret))
    again = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret))

    assert wrong.status_code == 401 and still_argon2
    assert right.status_code not in (401, 429) and again.status_code == right.status_code
    assert OAuthClient.objects.get(pk=oauth_client.pk).client_secret.startswith("client_secret_sha256$")


def test_the_access_token_never_outlives_the_grant(client, registered, person):
    oauth_client, secret = registered

    tokens = tokens_for(client, oauth_client, secret, person, duration="PT10M")

    grant = Grant.objects.get(person=person)
    assert tokens["expires_in"] <= 600
    assert AccessToken.objects.get().expires <= grant.expires_at


def test_a_replayed_code_is_refused_and_revokes_the_tokens_of_its_first_use(client, registered, person):
    oauth_client, secret = registered
    code, verifier = code_for(client, oauth_client, person)
    first = exchange(client, oauth_client, secret, code, verifier).json()

    replay = exchange(client, oauth_client, secret, code, verifier)

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert refresh(client, oauth_client, secret, first["refresh_token"]).status_code == 400


def test_the_code_is_short_lived(client, registered, person, settings):
    oauth_client, secret = registered
    code, verifier = code_for(client, oauth_client, person)
    AuthorizationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = exchange(client, oauth_client, secret, code, verifier)

    assert response.json()["error"] == "invalid_grant"
    assert settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"] <= 60


def test_a_wrong_code_verifier_is_refused(client, registered, person):
    oauth_client, secret = registered
    code, _ = code_for(client, oauth_client, person)

    response = exchange(client, oauth_client, secret, code, pkce_pair()[0])

    assert response.json()["error"] == "invalid_grant" and not AccessToken.objects.exists()


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(client, registered, person):
    oauth_client, secret = registered
    first = tokens_for(client, oauth_client, secret, person)
    second = refresh(client, oauth_client, secret, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]

    replay = refresh(client, oauth_client, secret, first["refresh_token"])

    assert replay.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert refresh(client, oauth_client, secret, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_revoked_grant_cannot_be_refreshed(client, registered, person):
    oauth_client, secret = registered
    tokens = tokens_for(client, oauth_client, secret, person)
    revoke_grant(Grant.objects.get(person=person), actor=person)

    response = refresh(client, oauth_client, secret, tokens["refresh_token"])

    assert response.json()["error"] == "invalid_grant"


def test_the_password_grant_is_refused_even_to_a_client_registered_for_it(client, person):
    from oauth2_provider.generators import generate_client_secret

    from vendors.models import OAuthClient

    secret = generate_client_secret()
    legacy = OAuthClient.objects.create(
        name="legacy", client_type="confidential", authorization_grant_type="password", client_secret=secret
    )

    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": person.username, "password": PASSWORD},
        HTTP_AUTHORIZATION=basic(legacy.client_id, secret),
    )

    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_the_implicit_grant_is_refused_even_to_a_client_registered_for_it(client, person):
    from vendors.models import OAuthClient

    legacy = OAuthClient.objects.create(
        name="legacy", client_type="public", authorization_grant_type="implicit", redirect_uris=REDIRECT_URI
    )
    client.force_login(person)

    screen, _ = consent_screen(client, legacy, response_type="token")

    assert query_of(screen)["error"] == "unauthorized_client" and "access_token" not in screen["Location"]


def test_an_auditor_client_gets_only_audit_read_by_client_credentials(client):
    auditor_client, secret = make_auditor_client()

    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(auditor_client.client_id, secret)
    )
    asking_more = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "contact:read"},
        HTTP_AUTHORIZATION=basic(auditor_client.client_id, secret),
    )

    assert response.json()["scope"] == "audit:read"
    assert asking_more.json()["error"] == "invalid_scope"


def test_a_vendor_client_cannot_use_client_credentials(client, registered):
    oauth_client, secret = registered

    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret)
    )

    assert response.json()["error"] == "unauthorized_client"


def test_revocation_needs_the_owning_client(client, registered, person):
    oauth_client, secret = registered
    other_client, other_secret = make_client()
    tokens = tokens_for(client, oauth_client, secret, person)

    client.post("/o/revoke_token/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=basic(other_client.client_id, other_secret))
    still_there = AccessToken.objects.exists()
    client.post("/o/revoke_token/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret))

    assert still_there and not AccessToken.objects.exists()


def test_introspection_describes_only_the_clients_own_active_tokens(client, registered, person, settings):
    oauth_client, secret = registered
    other_client, other_secret = make_client()
    tokens = tokens_for(client, oauth_client, secret, person)

    own = client.post("/o/introspect/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret))
    foreign = client.post("/o/introspect/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=basic(other_client.client_id, other_secret))
    anonymous = client.post("/o/introspect/", {"token": tokens["access_token"]})
    bearer = client.post("/o/introspect/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION="Bearer " + tokens["access_token"])

    grant = Grant.objects.get(person=person)
    assert own.json() | {"exp": 0, "iat": 0} == {
        "active": True, "client_id": oauth_client.client_id, "token_type": "Bearer", "scope": "address:read contact:read",
        "exp": 0, "iat": 0, "grant_id": str(grant.pk), "grant_expires_at": grant.expires_at.isoformat(),
        "grant_status": "active", "iss": settings.SITE_URL,
    }
    assert foreign.json() == {"active": False}
    assert (anonymous.status_code, bearer.status_code) == (401, 401)


def test_introspection_reports_a_paused_grant_and_an_ended_one_apart(client, registered, person):
    oauth_client, secret = registered
    tokens = tokens_for(client, oauth_client, secret, person)
    auth = basic(oauth_client.client_id, secret)
    Grant.objects.update(status=Grant.Status.PAUSED)

    paused = client.post("/o/introspect/", {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}, HTTP_AUTHORIZATION=auth)
    revoke_grant(Grant.objects.get(person=person), actor=person)
    revoked = client.post("/o/introspect/", {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}, HTTP_AUTHORIZATION=auth)

    assert paused.json()["active"] is True and paused.json()["grant_status"] == "paused"
    assert revoked.json() == {"active": False}


def test_metadata_lists_every_endpoint_and_only_what_is_accepted(client, site_url):
    site_url("https://vrm.example")

    metadata = client.get("/.well-known/oauth-authorization-server", HTTP_HOST="localhost").json()

    assert metadata["issuer"] == "https://vrm.example"
    for key, path in [("authorization_endpoint", "/o/authorize/"), ("token_endpoint", "/o/token/"),
                      ("revocation_endpoint", "/o/revoke_token/"), ("introspection_endpoint", "/o/introspect/")]:
        assert metadata[key] == "https://vrm.example" + path
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    assert {"contact:read", "address:read", "purchases:write", "audit:read"} <= set(metadata["scopes_supported"])
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_deploy_checks_find_nothing_to_fix_in_the_oauth_configuration(capsys):
    call_command("check", "--deploy", "--tag", "security", "--fail-level", "CRITICAL")

    assert "oauth2_provider" not in capsys.readouterr().err


def test_refresh_never_widens_the_scope_beyond_the_grant(client, registered, person):
    oauth_client, secret = registered
    client.force_login(person)
    screen, verifier = consent_screen(client, oauth_client, scope="contact:read address:read")
    code = query_of(answer(client, screen, granted=["contact:read"]))["code"]
    tokens = exchange(client, oauth_client, secret, code, verifier).json()

    repeated = client.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "contact:read address:read"},
        HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret),
    ).json()
    wider = client.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": repeated["refresh_token"], "scope": "identity:read"},
        HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret),
    ).json()

    assert repeated["scope"] == "contact:read"
    assert wider["error"] == "invalid_scope"


def test_approval_prompt_auto_still_shows_the_consent_screen(client, registered, person):
    oauth_client, secret = registered
    tokens_for(client, oauth_client, secret, person)
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, approval_prompt="auto")

    assert screen.status_code == 200 and "form" in screen.context
    assert AuthorizationCode.objects.count() == 1


def tampered(screen, **changes):
    form = screen.context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    return data | changes


@pytest.mark.parametrize(
    "changes",
    [
        {"deny": "on", "redirect_uri": "https://evil.example/cb"},
        {"allow": "on", "redirect_uri": "https://evil.example/cb"},
        {"allow": "on", "code_challenge_method": "plain"},
        {"allow": "on", "retention": "P100Y"},
        {"allow": "on", "state": "another-state"},
    ],
    ids=["deny-redirect", "allow-redirect", "allow-plain", "allow-retention", "allow-state"],
)
def test_a_consent_form_that_restates_the_request_differently_redirects_nowhere(client, registered, person, changes):
    oauth_client, _ = registered
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client)

    response = client.post("/o/authorize/", tampered(screen, **changes))

    assert response.status_code == 400 and "Location" not in response
    assert not AuthorizationCode.objects.exists() and not Grant.objects.exists()


def test_a_consent_answer_is_accepted_once_and_goes_to_the_redirect_uri_shown(client, registered, person):
    oauth_client, _ = registered
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client)

    denied = client.post("/o/authorize/", tampered(screen, deny="on"))
    again = client.post("/o/authorize/", tampered(screen, allow="on"))

    assert denied.status_code == 302 and denied["Location"].startswith(REDIRECT_URI + "?")
    assert query_of(denied)["error"] == "access_denied" and query_of(denied)["error_description"]
    assert again.status_code == 400 and not Grant.objects.exists()


def test_prompt_none_is_answered_with_an_error_because_consent_is_always_asked(client, registered, person):
    oauth_client, _ = registered

    signed_out, _ = consent_screen(client, oauth_client, prompt="none")
    client.force_login(person)
    signed_in, _ = consent_screen(client, oauth_client, prompt="none")

    assert query_of(signed_out)["error"] == "login_required"
    assert query_of(signed_in)["error"] == "consent_required"
    for response in (signed_out, signed_in):
        assert response["Location"].startswith(REDIRECT_URI + "?")
        assert query_of(response)["state"] == "state-123" and query_of(response)["iss"] == settings_issuer()


def settings_issuer():
    from oauth2_provider.settings import oauth2_settings

    return oauth2_settings.OIDC_ISS_ENDPOINT


@pytest.mark.parametrize("length, accepted", [(42, False), (43, True), (128, True), (129, False), (5000, False)])
def test_the_code_challenge_must_have_an_rfc_7636_length(client, registered, person, length, accepted):
    oauth_client, _ = registered
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, code_challenge="a" * length)

    if accepted:
        assert screen.status_code == 200
    else:
        assert screen.status_code == 302 and query_of(screen)["error"] == "invalid_request"


@pytest.mark.parametrize("redirect_uri", ["HTTPS://shop.example/callback", "https://SHOP.example/callback", "https://shop.example:443/callback"])
def test_the_redirect_uri_must_match_the_registered_one_exactly(client, registered, person, redirect_uri):
    oauth_client, _ = registered
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, redirect_uri=redirect_uri)

    assert screen.status_code == 400 and "Location" not in screen


def test_the_token_request_must_repeat_the_redirect_uri(client, registered, person):
    oauth_client, secret = registered
    code, verifier = code_for(client, oauth_client, person)

    response = client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
        HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret),
    )

    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert not AccessToken.objects.exists()


def test_an_authorization_request_without_redirect_uri_is_refused(client, registered, person):
    oauth_client, _ = registered
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, redirect_uri=None)

    assert query_of(screen)["error"] == "invalid_request" and "redirect_uri" in query_of(screen)["error_description"]


def test_unadvertised_grant_types_are_refused(client, registered):
    oauth_client, secret = registered

    response = client.post(
        "/o/token/",
        {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret),
    )

    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_a_paused_grant_keeps_its_refresh_token_and_the_api_says_paused(client, registered, person):
    from consents.grants import pause_grant

    oauth_client, secret = registered
    tokens = tokens_for(client, oauth_client, secret, person)
    pause_grant(Grant.objects.get(person=person), actor=person)

    refreshed = refresh(client, oauth_client, secret, tokens["refresh_token"])
    profile = client.get("/api/v1/profile", HTTP_AUTHORIZATION="Bearer " + refreshed.json()["access_token"])

    assert refreshed.status_code == 200
    assert profile.status_code == 403 and profile.json()["type"].endswith("grant-paused")


def ended_a_second_ago():
    now = timezone.now()
    return {"starts_at": now - timedelta(minutes=5), "expires_at": now - timedelta(seconds=1)}


def test_refusing_a_refresh_token_says_whether_the_grant_was_revoked_or_expired(client, registered, person):
    oauth_client, secret = registered
    revoked_tokens = tokens_for(client, oauth_client, secret, person)
    revoke_grant(Grant.objects.get(person=person), actor=person)
    other = make_client()
    expired_tokens = tokens_for(client, other[0], other[1], person)
    Grant.objects.filter(client=other[0]).update(**ended_a_second_ago())

    revoked = refresh(client, oauth_client, secret, revoked_tokens["refresh_token"]).json()
    expired = refresh(client, other[0], other[1], expired_tokens["refresh_token"]).json()

    assert revoked == {"error": "invalid_grant", "error_description": "grant revoked"}
    assert expired == {"error": "invalid_grant", "error_description": "grant expired"}


def test_an_access_token_of_an_ended_grant_is_refused_with_the_reason(client, registered, person):
    oauth_client, secret = registered
    tokens = tokens_for(client, oauth_client, secret, person)
    Grant.objects.update(**ended_a_second_ago())

    response = client.get("/api/v1/profile", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"])

    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert 'error_description="grant expired"' in challenge


@pytest.mark.parametrize("path", ["/o/token/", "/o/revoke_token/"])
def test_a_wrong_client_secret_is_answered_invalid_client_with_a_basic_challenge(client, registered, path):
    oauth_client, secret = registered

    response = client.post(path, {"grant_type": "refresh_token", "refresh_token": "x", "token": "x"},
                           HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret[:-1]))

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"] == 'Basic realm="vrm"'


def test_introspection_without_client_authentication_answers_with_a_body(client):
    response = client.post("/o/introspect/", {"token": "x"})

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"] == 'Basic realm="vrm"'


CLIENT_AUTH_ENDPOINTS = {
    "token": ("/o/token/", {"grant_type": "refresh_token", "refresh_token": "x"}),
    "revocation": ("/o/revoke_token/", {"token": "x"}),
    "introspection": ("/o/introspect/", {"token": "x"}),
    "deletion confirmation": ("/api/v1/grant/deletion-confirmation", {"grant_id": "00000000-0000-0000-0000-000000000000"}),
}


@pytest.mark.parametrize("path, data", CLIENT_AUTH_ENDPOINTS.values(), ids=CLIENT_AUTH_ENDPOINTS.keys())
def test_failed_client_authentication_is_throttled_per_client(client, registered, settings, path, data):
    settings.OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT = 3
    oauth_client, secret = registered
    for source in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, "wrong"), REMOTE_ADDR=source).status_code == 401

    throttled = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret), REMOTE_ADDR="10.0.0.4")
    other_client, other_secret = make_client()
    unaffected = client.post(path, data, HTTP_AUTHORIZATION=basic(other_client.client_id, other_secret), REMOTE_ADDR="10.0.0.4")

    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= settings.OAUTH_CLIENT_AUTH_WINDOW_SECONDS
    assert unaffected.status_code != 429 and unaffected.status_code != 401


@pytest.mark.parametrize("path, data", CLIENT_AUTH_ENDPOINTS.values(), ids=CLIENT_AUTH_ENDPOINTS.keys())
def test_failed_client_authentication_is_throttled_per_source(client, registered, settings, path, data):
    settings.OAUTH_CLIENT_AUTH_FAILURES_PER_SOURCE = 3
    oauth_client, secret = registered
    for attempt in range(3):
        client.post(path, data, HTTP_AUTHORIZATION=basic(f"guess-{attempt}", "wrong"), REMOTE_ADDR="10.0.0.9")

    from_there = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret), REMOTE_ADDR="10.0.0.9")
    from_elsewhere = client.post(path, data, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret), REMOTE_ADDR="10.0.0.10")

    assert from_there.status_code == 429 and int(from_there["Retry-After"]) >= 1
    assert from_elsewhere.status_code not in (401, 429)


def test_the_issuer_is_site_url_whatever_the_host_header(client, settings, registered, person):
    metadata = client.get("/.well-known/oauth-authorization-server", HTTP_HOST="localhost").json()
    client.force_login(person)
    params, _ = authorize_params(registered[0])
    screen = client.get("/o/authorize/?" + urlencode(params), HTTP_HOST="localhost")
    denied = client.post("/o/authorize/", tampered(screen, deny="on"), HTTP_HOST="localhost")

    assert metadata["issuer"] == settings.SITE_URL
    assert metadata["token_endpoint"] == settings.SITE_URL + "/o/token/"
    assert query_of(denied)["iss"] == settings.SITE_URL
