"""The authorization server's RFC 9700 behaviour, through its endpoints (vendors/oauth.py and DOT's settings)."""

import base64
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from consents.grants import revoke_grant
from consents.models import Grant
from tests.factories import PASSWORD, REDIRECT_URI, make_auditor_client, make_client, pkce_pair
from tests.vendors.flow import answer, consent_screen, exchange, query_of, tokens_for
from vendors.models import AccessToken, AuthorizationCode, RefreshToken

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


def test_client_secrets_are_stored_hashed(registered):
    oauth_client, secret = registered

    oauth_client.refresh_from_db()

    assert oauth_client.client_secret.startswith(("argon2", "pbkdf2")) and secret not in oauth_client.client_secret


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


def test_introspection_describes_only_the_clients_own_active_tokens(client, registered, person):
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
    }
    assert foreign.json() == {"active": False}
    assert (anonymous.status_code, bearer.status_code) == (401, 401)


def test_introspection_reports_a_token_of_a_paused_grant_inactive(client, registered, person):
    oauth_client, secret = registered
    tokens = tokens_for(client, oauth_client, secret, person)
    Grant.objects.update(status=Grant.Status.PAUSED)

    response = client.post("/o/introspect/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=basic(oauth_client.client_id, secret))

    assert response.json() == {"active": False}


def test_metadata_lists_every_endpoint_and_only_what_is_accepted(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()

    assert metadata["issuer"] == "http://testserver"
    for key, path in [("authorization_endpoint", "/o/authorize/"), ("token_endpoint", "/o/token/"),
                      ("revocation_endpoint", "/o/revoke_token/"), ("introspection_endpoint", "/o/introspect/")]:
        assert metadata[key] == "http://testserver" + path
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
