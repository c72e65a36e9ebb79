import pytest
from django.contrib.auth.hashers import check_password

from audit.models import AuditEntry
from consents.models import Grant
from tests.factories import UserFactory, VendorFactory, VendorUserFactory, issue_token, make_client, make_grant
from vendors.models import AccessToken, OAuthClient, Vendor

pytestmark = pytest.mark.django_db

CLIENT_FORM = {
    "name": "Shop app",
    "redirect_uris": "https://shop.example/callback\nhttp://127.0.0.1:8765/callback",
    "default_purpose": "delivery",
    "default_purpose_text": "To deliver your parcels",
    "default_duration_days": "30",
    "default_retention_days": "7",
}


def test_a_vendor_user_registers_an_organisation(client):
    developer = VendorUserFactory()
    client.force_login(developer)

    response = client.post("/developers/organisations/new/", {"name": "Outfitters", "website": "https://outfitters.example"}, follow=True)

    vendor = Vendor.objects.get()
    assert list(vendor.members.all()) == [developer] and not vendor.verified
    assert "Outfitters" in response.content.decode() and "Not verified yet" in response.content.decode()


@pytest.fixture
def developer(client):
    """A signed-in vendor developer and their (verified) organisation."""
    user = VendorUserFactory()
    vendor = VendorFactory()
    vendor.members.add(user)
    client.force_login(user)
    return user, vendor


def test_registering_a_client_redirects_and_shows_the_secret_once(client, developer):
    _, vendor = developer

    created = client.post(f"/developers/organisations/{vendor.pk}/clients/new/", CLIENT_FORM)
    shown = client.get(created["Location"])
    reloaded = client.get(created["Location"])

    oauth_client = OAuthClient.objects.get(vendor=vendor)
    secret = shown.context["secret"]
    assert created.status_code == 302 and created["Location"] == f"/developers/clients/{oauth_client.pk}/"
    assert check_password(secret, oauth_client.client_secret) and secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert reloaded.context["secret"] is None and secret not in reloaded.content.decode()
    assert oauth_client.client_id in reloaded.content.decode()
    assert (oauth_client.default_purpose, oauth_client.default_duration.days) == ("delivery", 30)


def test_the_quickstart_carries_the_clients_own_values(client, developer, settings):
    settings.SITE_URL = "https://vrm.example"
    oauth_client, _ = make_client(vendor=developer[1], redirect_uris=["https://shop.example/callback"])

    page = client.get(f"/developers/clients/{oauth_client.pk}/").content.decode()

    assert "https://vrm.example/.well-known/oauth-authorization-server" in page
    assert f'client_id="{oauth_client.client_id}"' in page
    assert 'redirect_uri="https://shop.example/callback"' in page
    assert "VRM-Signature" in page and "hmac.compare_digest" in page


@pytest.mark.parametrize("uris, message", [
    ("http://shop.example/cb", "http://shop.example/cb: use https"),
    ("shop.example/cb", "is not a full web address"),
    ("ftp://shop.example/cb", "is not a full web address"),
    ("https://shop.example/cb#top", "#fragment"),
    ("https://*.shop.example/cb", "wildcard"),
    ("", "This field is required"),
])
def test_a_bad_redirect_uri_is_a_friendly_form_error_and_registers_nothing(client, developer, uris, message):
    response = client.post(
        f"/developers/organisations/{developer[1].pk}/clients/new/", {**CLIENT_FORM, "redirect_uris": uris}
    )

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "URI Validation error" not in page and "invalid_scheme" not in page
    assert not OAuthClient.objects.exists()


def test_a_developer_edits_a_clients_name_and_redirect_uris(client, developer):
    oauth_client, _ = make_client(vendor=developer[1])

    response = client.post(
        f"/developers/clients/{oauth_client.pk}/edit/",
        {"name": "Shop app v2", "redirect_uris": "https://shop.example/new\nhttps://shop.example/other"},
    )

    oauth_client.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/developers/clients/{oauth_client.pk}/"
    assert oauth_client.name == "Shop app v2"
    assert oauth_client.redirect_uris == "https://shop.example/new https://shop.example/other"


def test_a_bad_edit_is_a_form_error_and_changes_nothing(client, developer):
    oauth_client, _ = make_client(vendor=developer[1])
    before = oauth_client.redirect_uris

    response = client.post(
        f"/developers/clients/{oauth_client.pk}/edit/", {"name": "Renamed", "redirect_uris": "http://evil.example/"}
    )

    oauth_client.refresh_from_db()
    assert response.status_code == 200 and "use https" in response.content.decode()
    assert (oauth_client.name, oauth_client.redirect_uris) == ("Shop app", before)


def test_rotating_the_secret_shows_the_new_one_once_and_the_old_one_stops_working(client, developer):
    oauth_client, old_secret = make_client(vendor=developer[1])

    confirm = client.get(f"/developers/clients/{oauth_client.pk}/secret/")
    rotated = client.post(f"/developers/clients/{oauth_client.pk}/secret/")
    shown = client.get(rotated["Location"])

    oauth_client.refresh_from_db()
    new_secret = shown.context["secret"]
    assert confirm.status_code == 200 and OAuthClient.objects.count() == 1
    assert rotated.status_code == 302 and new_secret in shown.content.decode()
    assert check_password(new_secret, oauth_client.client_secret)
    assert not check_password(old_secret, oauth_client.client_secret)


def test_deleting_a_client_revokes_its_grants_through_the_grant_service(client, developer):
    user, vendor = developer
    oauth_client, _ = make_client(vendor=vendor)
    grant = make_grant(client=oauth_client)
    issue_token(grant)

    confirm = client.get(f"/developers/clients/{oauth_client.pk}/delete/")
    deleted = client.post(f"/developers/clients/{oauth_client.pk}/delete/")
    listing = client.get("/developers/")

    grant.refresh_from_db()
    assert confirm.status_code == 200 and "1 live grant" in confirm.content.decode()
    assert deleted.status_code == 302 and grant.status == Grant.Status.REVOKED
    assert not AccessToken.objects.filter(consent=grant).exists()
    assert AuditEntry.objects.filter(grant_id=grant.pk, event="revoked").exists()
    assert "Shop app" not in listing.content.decode().split("<h1>")[1]
    assert client.get(f"/developers/clients/{oauth_client.pk}/").status_code == 404


def test_deleting_a_client_without_grants_removes_it(client, developer):
    oauth_client, _ = make_client(vendor=developer[1])

    response = client.post(f"/developers/clients/{oauth_client.pk}/delete/")

    assert response.status_code == 302 and not OAuthClient.objects.exists()


def test_a_developer_cannot_touch_someone_elses_client(client, developer):
    other, _ = make_client()

    responses = [
        client.post(f"/developers/clients/{other.pk}/edit/", {"name": "Mine", "redirect_uris": "https://x.example/"}),
        client.post(f"/developers/clients/{other.pk}/secret/"),
        client.post(f"/developers/clients/{other.pk}/delete/"),
        client.get(f"/developers/clients/{other.pk}/"),
    ]

    other.refresh_from_db()
    assert [r.status_code for r in responses] == [404, 404, 404, 404] and other.name == "Shop app"


def test_a_developer_cannot_add_clients_to_someone_elses_organisation(client):
    client.force_login(VendorUserFactory())

    response = client.post(f"/developers/organisations/{VendorFactory().pk}/clients/new/", CLIENT_FORM)

    assert response.status_code == 404 and not OAuthClient.objects.exists()


def test_persons_do_not_get_the_developer_portal(client):
    client.force_login(UserFactory())

    response = client.get("/developers/")

    assert response.status_code == 403


def test_a_webhook_secret_is_never_shown_as_the_client_secret(client, developer):
    oauth_client, _ = make_client(vendor=developer[1])

    client.post(f"/developers/clients/{oauth_client.pk}/webhooks/", {"url": "https://shop.example/hooks"})
    detail = client.get(f"/developers/clients/{oauth_client.pk}/")

    assert detail.context["secret"] is None and "whsec_" not in detail.content.decode()
