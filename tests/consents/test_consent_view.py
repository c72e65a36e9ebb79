from datetime import timedelta

import pytest
from django.utils import timezone

from consents.models import Grant
from tests.factories import VendorUserFactory, make_client, make_grant
from tests.vendors.flow import answer, authorize_params, consent_screen, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def oauth_client():
    return make_client()[0]


def test_the_screen_shows_the_vendor_terms_and_the_persons_own_values(client, person, oauth_client):
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, purpose="delivery", duration="P30D", retention="P7D")

    page = screen.content.decode()
    assert screen.status_code == 200 and screen["Cache-Control"].startswith("max-age=0")
    for text in (oauth_client.vendor.name, "Verified organisation", "Delivering goods to you", "30 days", "7 days",
                 "ada@example.org", "Lovelace Town", ">Allow</button>", ">Deny</button>"):
        assert text in page


def test_allow_with_a_scope_unticked_and_a_shorter_duration_creates_a_narrower_grant(client, person, oauth_client):
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client, duration="P90D")

    response = answer(client, screen, granted=["address:read"], duration="P7D")

    grant = Grant.objects.get(person=person)
    assert "code" in query_of(response) and query_of(response)["state"] == "state-123"
    assert grant.scopes == ["address:read"] and grant.requested_scopes == ["address:read", "contact:read"]
    assert timedelta(days=6, hours=23) < grant.expires_at - timezone.now() <= timedelta(days=7)


def test_the_authorization_response_names_the_issuer(client, person, oauth_client, settings):
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client)

    response = answer(client, screen)

    assert query_of(response)["iss"] == settings.SITE_URL


def test_deny_returns_access_denied_and_creates_nothing(client, person, oauth_client, settings):
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client)

    response = answer(client, screen, allow=False)

    assert response["Location"].startswith("https://shop.example/callback?")
    assert query_of(response) == {
        "error": "access_denied", "error_description": "The person denied the request.", "state": "state-123",
        "iss": settings.SITE_URL,
    }
    assert not Grant.objects.exists()


def test_allowing_nothing_asks_again_and_creates_nothing(client, person, oauth_client):
    client.force_login(person)
    screen, _ = consent_screen(client, oauth_client)

    response = answer(client, screen, granted=[])

    assert response.status_code == 400
    assert "Tick at least one item to allow, or press Deny." in response.content.decode()
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    "extra, description",
    [
        ({"duration": "forever"}, "duration must be an ISO 8601 duration"),
        ({"retention": "P99Y"}, "retention must be at most"),
        ({"purpose": "reselling"}, "purpose must be one of"),
        ({"code_challenge_method": "plain"}, "S256"),
    ],
)
def test_bad_terms_go_back_to_the_vendor_as_invalid_request(client, person, oauth_client, extra, description):
    client.force_login(person)

    response, _ = consent_screen(client, oauth_client, **extra)

    query = query_of(response)
    assert query["error"] == "invalid_request" and description in query["error_description"]
    assert query["state"] == "state-123" and not Grant.objects.exists()


def test_a_request_for_no_scope_or_an_unknown_scope_is_invalid_scope(client, person, oauth_client):
    client.force_login(person)

    responses = [consent_screen(client, oauth_client, scope=scope)[0] for scope in ("", "audit:read")]

    assert [query_of(response)["error"] for response in responses] == ["invalid_scope", "invalid_scope"]


def test_a_request_without_pkce_is_refused(client, person, oauth_client):
    client.force_login(person)
    params, _ = authorize_params(oauth_client, code_challenge=None, code_challenge_method=None)

    response = client.get("/o/authorize/", params)

    assert query_of(response)["error"] == "invalid_request"


def test_an_unregistered_redirect_uri_is_never_redirected_to(client, person, oauth_client):
    client.force_login(person)
    params, _ = authorize_params(oauth_client, redirect_uri="https://evil.example/callback")

    response = client.get("/o/authorize/", params)

    assert response.status_code == 400 and "evil.example" not in response.get("Location", "")


def test_asking_again_shows_what_is_new_compared_with_the_live_grant(client, person, oauth_client):
    make_grant(person=person, client=oauth_client, scopes=("contact:read",))
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client, scope="contact:read address:read")

    page = screen.content.decode()
    assert "You already share with them: what would change" in page
    assert '<li class="added"><span class="badge warn">Added</span>' in page and "Read your address" in page


def test_only_persons_can_give_access(client, oauth_client):
    client.force_login(VendorUserFactory())

    screen, _ = consent_screen(client, oauth_client)

    assert screen.status_code == 403 and not Grant.objects.exists()


def test_anonymous_visitors_log_in_first(client, oauth_client):
    screen, _ = consent_screen(client, oauth_client)

    assert screen.status_code == 302 and screen["Location"].startswith("/accounts/login/?next=/o/authorize/")


def test_the_preview_shows_values_as_people_write_them(client, oauth_client):
    from tests.factories import UserFactory
    from vrm import vault

    person = UserFactory()
    vault.update_profile(person, category="contact", values={"phone": "+442079460958"})
    vault.update_profile(person, category="address", values={"country": "GB"})
    client.force_login(person)

    screen, _ = consent_screen(client, oauth_client)

    page = screen.content.decode()
    assert "+44 20 7946 0958" in page and "United Kingdom" in page
    assert "<dd>GB</dd>" not in page and "+442079460958" not in page
