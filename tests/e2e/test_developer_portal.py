import pytest
import requests
from django.test import Client

from consents.models import Grant
from tests.e2e.accessibility import WIDTHS, Walk
from tests.factories import VendorUserFactory, make_grant
from vendors.models import OAuthClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    django_client = Client()
    django_client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": django_client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_a_vendor_developer_registers_an_organisation_and_a_client_and_sees_the_secret_once(page, live_server):
    sign_in(page, live_server, VendorUserFactory())

    page.goto("/developers/")
    page.get_by_role("link", name="Register an organisation").click()
    page.get_by_label("Organisation name").fill("Outfitters")
    page.get_by_label("Website").fill("https://outfitters.example")
    page.get_by_role("button", name="Register organisation").click()
    page.get_by_role("link", name="Register a client for Outfitters").click()
    page.get_by_label("Client name").fill("Outfitters shop")
    page.get_by_label("Redirect URIs").fill("http://shop.example/callback")
    page.get_by_role("button", name="Register client").click()
    error = page.locator(".errorlist").inner_text()
    page.get_by_label("Redirect URIs").fill("https://outfitters.example/callback")
    page.get_by_role("button", name="Register client").click()

    client_id = page.locator("#client-id").inner_text()
    secret = page.locator("#client-secret").inner_text()
    check = requests.post(f"{live_server.url}/o/introspect/", data={"token": "nothing"}, auth=(client_id, secret))
    page.reload()
    reloaded = page.content()
    page.goto("/developers/")

    assert "use https" in error and "URI Validation error" not in page.content()
    assert OAuthClient.objects.filter(vendor__name="Outfitters").count() == 1
    assert check.status_code == 200 and check.json() == {"active": False}
    assert secret not in reloaded and client_id in reloaded
    assert page.get_by_text(client_id).is_visible() and secret not in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_developer_walks_every_portal_page_and_axe_finds_nothing_serious(page, live_server, width):
    developer = VendorUserFactory()
    sign_in(page, live_server, developer)
    walk = Walk(page, width)

    page.goto("/developers/")
    walk.check()
    page.get_by_role("link", name="Register an organisation").click()
    walk.check()
    page.get_by_label("Organisation name").fill("Outfitters")
    page.get_by_role("button", name="Register organisation").click()
    page.get_by_role("link", name="Register a client for Outfitters").click()
    page.get_by_role("button", name="Register client").click()  # empty: errors beside the fields
    walk.check("client form with errors")
    page.get_by_label("Client name").fill("Outfitters shop")
    page.get_by_label("Redirect URIs").fill("https://outfitters.example/callback")
    page.get_by_role("button", name="Register client").click()
    walk.check("client page with its secret")
    client = OAuthClient.objects.get(name="Outfitters shop")
    grant = make_grant(client=client)
    page.get_by_role("link", name="Edit name and redirect URIs").click()
    walk.check()
    page.get_by_label("Client name").fill("Outfitters web shop")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Webhooks of Outfitters web shop").click()
    walk.check()
    page.go_back()
    page.get_by_role("link", name="Issue a new secret").click()
    walk.check()
    page.get_by_role("button", name="Issue a new secret").click()
    new_secret = page.locator("#client-secret").inner_text()
    page.get_by_role("link", name="Delete this client").click()
    consequences = page.locator("main").inner_text()
    walk.check()
    page.get_by_role("button", name="Delete Outfitters web shop").click()
    listing = page.locator("main").inner_text()
    walk.check("home after deleting")

    grant.refresh_from_db()
    assert walk.found == {}
    assert new_secret and "1 live grant ends as revoked" in consequences
    assert grant.status == Grant.Status.REVOKED and "1 live grant revoked" in listing
