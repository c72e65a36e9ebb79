import pytest
import requests
from django.test import Client

from tests.factories import VendorUserFactory
from vendors.models import OAuthClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_vendor_developer_registers_an_organisation_and_a_client_and_sees_the_secret_once(page, live_server):
    developer = VendorUserFactory()
    django_client = Client()
    django_client.force_login(developer)
    page.context.add_cookies([{"name": "sessionid", "value": django_client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto("/developers/")
    page.get_by_role("link", name="Register an organisation").click()
    page.get_by_label("Organisation name").fill("Outfitters")
    page.get_by_label("Website").fill("https://outfitters.example")
    page.get_by_role("button", name="Register organisation").click()
    page.get_by_role("link", name="Register a client for Outfitters").click()
    page.get_by_label("Client name").fill("Outfitters shop")
    page.get_by_label("Redirect URIs").fill("http://shop.example/callback")
    page.get_by_role("button", name="Register client").click()
    assert page.get_by_text("use https").is_visible()
    page.get_by_label("Redirect URIs").fill("https://outfitters.example/callback")
    page.get_by_role("button", name="Register client").click()

    client_id = page.locator("#client-id").inner_text()
    secret = page.locator("#client-secret").inner_text()
    check = requests.post(f"{live_server.url}/o/introspect/", data={"token": "nothing"}, auth=(client_id, secret))
    page.goto("/developers/")

    assert OAuthClient.objects.get(client_id=client_id).vendor.name == "Outfitters"
    assert check.status_code == 200 and check.json() == {"active": False}
    assert page.get_by_text(client_id).is_visible() and secret not in page.content()
