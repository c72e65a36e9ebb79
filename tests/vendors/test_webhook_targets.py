"""Webhooks call out only to public addresses: refused at registration, checked again at delivery, sent to the
address that was checked, never redirected, and the vendor sees a category, not a library's error text."""

import socket

import pytest
from django.core.exceptions import ValidationError

from consents.grants import revoke_grant
from tests.factories import VendorUserFactory, make_client, make_grant
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks
from vendors.models import WebhookDelivery, WebhookEndpoint
from vendors.webhook_targets import TargetRefused, resolve_target

pytestmark = pytest.mark.django_db

NON_PUBLIC = [
    "http://127.0.0.1:6379/", "http://localhost:5432/", "http://[::1]:9911/", "https://127.0.0.1/",
    "https://localhost/", "https://[::1]/", "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/",
    "https://172.16.0.1/", "https://192.168.1.1/", "https://100.64.0.1/", "https://0.0.0.0/", "https://[::]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[fc00::1]/", "https://[fd12:3456::1]/",
    "https://[fe80::1]/", "https://224.0.0.1/", "https://[ff02::1]/", "https://255.255.255.255/",
    "https://2130706433/", "https://0x7f000001/",
]


@pytest.fixture
def production(settings):
    """DEBUG off and no host allowed by the operator: the rules as production applies them."""
    settings.DEBUG = False
    settings.VRM_WEBHOOK_ALLOWED_HOSTS = []
    return settings


@pytest.mark.parametrize("url", NON_PUBLIC)
def test_registering_a_non_public_target_is_refused(url, production):
    client, _ = make_client()

    with pytest.raises(ValidationError) as refused:
        webhooks.set_endpoint(client, url)

    assert "url" in refused.value.message_dict
    assert not WebhookEndpoint.objects.filter(client=client).exists()


def test_a_public_https_target_is_accepted(production):
    client, _ = make_client()

    endpoint, secret = webhooks.set_endpoint(client, "https://93.184.215.14/hooks")

    assert endpoint.url == "https://93.184.215.14/hooks" and secret.startswith("whsec_")


def test_with_debug_on_loopback_is_allowed_but_private_addresses_are_not(settings):
    settings.DEBUG, settings.VRM_WEBHOOK_ALLOWED_HOSTS = True, []

    loopback = resolve_target("http://localhost:8765/hooks")

    assert loopback.address in ("127.0.0.1", "::1") and loopback.host == "localhost"
    for url in ("https://10.0.0.1/", "https://169.254.169.254/", "http://192.168.1.1/"):
        with pytest.raises(TargetRefused):
            resolve_target(url)


def test_an_operator_can_allow_a_host_by_name(production):
    production.VRM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    target = resolve_target("http://127.0.0.1:9911/hooks?x=1")

    assert (target.address, target.port, target.path) == ("127.0.0.1", 9911, "/hooks?x=1")
    with pytest.raises(TargetRefused):
        resolve_target("http://[::1]:9911/")


def test_the_developer_portal_shows_the_refusal_as_a_form_error(client, production):
    developer = VendorUserFactory()
    oauth_client, _ = make_client()
    oauth_client.vendor.members.add(developer)
    client.force_login(developer)

    response = client.post(f"/developers/clients/{oauth_client.pk}/webhooks/", {"url": "https://169.254.169.254/x"})

    assert response.status_code == 400 and "Use a public address" in response.content.decode()
    assert not WebhookEndpoint.objects.filter(client=oauth_client).exists()


def pending_delivery_to(url):
    """A delivery to an endpoint stored as it stands (registered under other rules, or its DNS changed since)."""
    client, _ = make_client()
    WebhookEndpoint.objects.create(client=client, url=url)
    grant = make_grant(client=client)
    revoke_grant(grant, actor=grant.person)
    return WebhookDelivery.objects.get(client=client)


def test_delivery_checks_the_target_again_and_posts_nothing_to_a_non_public_one(production):
    with webhook_receiver() as receiver:
        delivery = pending_delivery_to(receiver.url.replace("http://", "https://"))

        attempted = webhooks.deliver(delivery.pk)

    assert receiver.requests == []
    assert attempted.last_error == "refused: not a public address" and attempted.status == "pending"


def test_delivery_connects_to_the_address_it_checked(settings, monkeypatch):
    """The host name is resolved once per attempt and that answer is used; a later answer (rebinding) is not."""
    settings.VRM_WEBHOOK_ALLOWED_HOSTS = ["hooks.shop.internal"]
    real_getaddrinfo = socket.getaddrinfo
    answers = []

    def resolver(host, port, *args, **kwargs):
        if host != "hooks.shop.internal":
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers.append(host)
        first = len(answers) == 1
        return real_getaddrinfo("127.0.0.1" if first else "192.0.2.1", port, *args, **kwargs)

    with webhook_receiver() as receiver:
        delivery = pending_delivery_to(receiver.url.replace("127.0.0.1", "hooks.shop.internal"))
        monkeypatch.setattr(socket, "getaddrinfo", resolver)

        attempted = webhooks.deliver(delivery.pk)

    headers, _ = receiver.requests[0]
    assert attempted.status == "delivered" and len(answers) == 1
    assert headers["Host"] == f"hooks.shop.internal:{receiver.url.split(':')[2].split('/')[0]}"


def test_a_redirect_is_not_followed_and_is_a_failed_attempt():
    with webhook_receiver() as elsewhere, webhook_receiver(status=307) as receiver:
        receiver.location = elsewhere.url
        delivery = pending_delivery_to(receiver.url)

        attempted = webhooks.deliver(delivery.pk)

    assert len(receiver.requests) == 1 and elsewhere.requests == []
    assert attempted.last_error == "HTTP 307" and attempted.status == "pending"


def test_the_vendor_sees_a_category_not_the_connection_error(client):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        delivery = pending_delivery_to(f"http://127.0.0.1:{port}/hooks")
        attempted = webhooks.deliver(delivery.pk)
    developer = VendorUserFactory()
    delivery.client.vendor.members.add(developer)
    client.force_login(developer)

    page = client.get(f"/developers/clients/{delivery.client.pk}/webhooks/").content.decode()

    assert attempted.last_error == "could not connect"
    assert "could not connect" in page and "refused" not in page.lower() and "Errno" not in page
