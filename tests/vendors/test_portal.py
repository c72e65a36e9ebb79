import pytest

from tests.factories import UserFactory, VendorFactory, VendorUserFactory
from vendors.models import OAuthClient, Vendor

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


def test_a_client_secret_is_shown_once(client):
    developer = VendorUserFactory()
    vendor = VendorFactory()
    vendor.members.add(developer)
    client.force_login(developer)

    created = client.post(f"/developers/organisations/{vendor.pk}/clients/new/", CLIENT_FORM)
    listing = client.get("/developers/")

    oauth_client = OAuthClient.objects.get(vendor=vendor)
    secret = created.context["secret"]
    assert oauth_client.client_id in created.content.decode() and secret in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert oauth_client.client_id in listing.content.decode() and secret not in listing.content.decode()
    assert (oauth_client.default_purpose, oauth_client.default_duration.days) == ("delivery", 30)


def test_a_bad_redirect_uri_is_a_form_error(client):
    developer = VendorUserFactory()
    vendor = VendorFactory()
    vendor.members.add(developer)
    client.force_login(developer)

    response = client.post(
        f"/developers/organisations/{vendor.pk}/clients/new/", {**CLIENT_FORM, "redirect_uris": "http://shop.example/cb"}
    )

    assert response.status_code == 200 and "use https" in response.content.decode()
    assert not OAuthClient.objects.exists()


def test_a_developer_cannot_add_clients_to_someone_elses_organisation(client):
    client.force_login(VendorUserFactory())

    response = client.post(f"/developers/organisations/{VendorFactory().pk}/clients/new/", CLIENT_FORM)

    assert response.status_code == 404 and not OAuthClient.objects.exists()


def test_persons_do_not_get_the_developer_portal(client):
    client.force_login(UserFactory())

    response = client.get("/developers/")

    assert response.status_code == 403
