"""The example vendor app (examples/shop) end to end against a live server: a person connects through the
consent screen, the shop reads the profile; the person leaves the vendor, a real worker delivers the signed
webhook, the shop deletes what it read and confirms it through the API."""

import socket
import sys

import pytest
import requests

from consents.grants import leave_vendor
from consents.models import Grant
from tests.factories import PASSWORD
from tests.processes import child_process, wait_until
from vendors.registration import register_client, register_vendor
from vendors.webhooks import set_endpoint
from vrm.settings import BASE_DIR

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def shop(live_server, tmp_path):
    """The example shop as its own process, registered as a client of the live server with a webhook endpoint."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    vendor = register_vendor(name="Demo Shop", website=base, verified=True)
    client, secret = register_client(vendor=vendor, name="Demo Shop", redirect_uris=[f"{base}/callback"],
                                     default_purpose="delivery")
    _, webhook_secret = set_endpoint(client, f"{base}/webhooks")
    env = {
        "PATH": "/usr/bin:/bin", "VRM_URL": live_server.url, "SHOP_PORT": str(port),
        "SHOP_CLIENT_ID": client.client_id, "SHOP_CLIENT_SECRET": secret, "SHOP_WEBHOOK_SECRET": webhook_secret,
        "SHOP_DATA_FILE": str(tmp_path / "customers.json"),
    }
    log = tmp_path / "shop.log"
    with child_process([sys.executable, str(BASE_DIR / "examples" / "shop" / "shop.py")], log, env):
        wait_until(lambda: _answers(base), message="the shop to listen")
        yield base, tmp_path / "customers.json", log


def _answers(url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def test_the_example_shop_connects_reads_and_honours_a_deletion_request(shop, page, person, worker):
    base, data_file, log = shop

    page.goto(f"{base}/")
    page.get_by_role("link", name="Fill in my details from VRM").click()
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{base}/customers/*")
    shown = page.locator("table").inner_text()
    grant = Grant.objects.get(person=person)
    kept = data_file.read_text()

    leave_vendor(person, grant.client.vendor, actor=person)
    wait_until(lambda: Grant.objects.filter(pk=grant.pk, deletion_confirmed_at__isnull=False).exists(),
               timeout=60, message="the shop's deletion confirmation")

    assert "ada@example.org" in shown and "Lovelace Town" in shown
    assert str(grant.pk) in kept and "Lovelace Town" in kept
    assert "Lovelace Town" not in data_file.read_text()
    assert requests.get(f"{base}/customers/{grant.pk}", timeout=5).status_code == 404
    assert f"deleted and confirmed grant {grant.pk}" in log.read_text()


def test_the_example_shop_refuses_a_webhook_with_a_bad_signature(shop):
    base, data_file, log = shop
    body = b'{"event":"grant.retention_ended","grant":{"id":"00000000-0000-0000-0000-000000000000"}}'

    response = requests.post(f"{base}/webhooks", data=body, headers={"VRM-Signature": "t=1,v1=00"}, timeout=5)

    assert response.status_code == 401 and "refused a webhook with a bad signature" in log.read_text()
