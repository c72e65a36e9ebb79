from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.factories import VendorFactory
from vendors.models import OAuthClient
from vendors.registration import register_client, rotate_client_secret

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "uri",
    ["https://shop.example/callback", "http://127.0.0.1:8765/callback", "http://localhost:3000/cb", "http://[::1]:9000/cb"],
)
def test_https_and_loopback_redirect_uris_are_accepted(uri):
    client, secret = register_client(vendor=VendorFactory(), name="App", redirect_uris=[uri])

    assert client.redirect_uris == uri and client.client_type == "confidential" and len(secret) >= 64


@pytest.mark.parametrize(
    "uri, message",
    [
        ("http://shop.example/callback", "use https"),
        ("https://*.shop.example/callback", ""),
        ("ftp://shop.example/callback", ""),
        ("https://shop.example/callback#fragment", ""),
    ],
)
def test_other_redirect_uris_are_refused_and_nothing_is_stored(uri, message):
    with pytest.raises(ValidationError) as error:
        register_client(vendor=VendorFactory(), name="App", redirect_uris=[uri])

    assert "redirect_uris" in error.value.message_dict and message in str(error.value.message_dict)
    assert not OAuthClient.objects.exists()


def test_bad_default_terms_are_refused():
    with pytest.raises(ValidationError, match="duration"):
        register_client(vendor=VendorFactory(), name="App", redirect_uris=["https://a.example/cb"], default_duration=timedelta(0))


def test_a_rotated_secret_replaces_the_old_one():
    client, old = register_client(vendor=VendorFactory(), name="App", redirect_uris=["https://a.example/cb"])

    new = rotate_client_secret(client)

    client.refresh_from_db()
    assert new != old and old not in client.client_secret and new not in client.client_secret
