import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vendors.models import OAuthClient, Vendor

pytestmark = pytest.mark.django_db


def test_it_prints_the_client_id_and_secret_as_json():
    out = StringIO()

    call_command(
        "register_vendor", "--name", "Outfitters", "--redirect-uri", "https://outfitters.example/cb",
        "--redirect-uri", "http://127.0.0.1:8765/cb", "--duration", "P30D", "--json", stdout=out,
    )

    result = json.loads(out.getvalue())
    client = OAuthClient.objects.get(client_id=result["client_id"])
    assert client.vendor.name == "Outfitters" and not client.vendor.verified
    assert result["redirect_uris"] == ["https://outfitters.example/cb", "http://127.0.0.1:8765/cb"]
    assert result["default_duration"] == "P30D"
    assert result["client_secret"] and result["client_secret"] not in client.client_secret


def test_a_bad_redirect_uri_is_an_error_and_registers_nothing():
    with pytest.raises(CommandError, match="use https"):
        call_command("register_vendor", "--name", "Outfitters", "--redirect-uri", "http://outfitters.example/cb")

    assert not Vendor.objects.exists() and not OAuthClient.objects.exists()


def test_a_bad_duration_is_an_error():
    with pytest.raises(CommandError, match="--duration"):
        call_command("register_vendor", "--name", "O", "--redirect-uri", "https://o.example/cb", "--duration", "soon")


def test_load_demo_registers_the_demo_vendor_client_through_the_registration_service():
    out = StringIO()
    call_command("load_demo", "--json", stdout=out)
    first = json.loads(out.getvalue())["oauth_client"]
    out = StringIO()
    call_command("load_demo", "--json", stdout=out)
    second = json.loads(out.getvalue())["oauth_client"]

    client = OAuthClient.objects.get(client_id=first["client_id"])
    assert second["client_id"] == first["client_id"] and second["client_secret"] != first["client_secret"]
    assert client.vendor.verified and client.redirect_uris == first["redirect_uri"] == "http://127.0.0.1:8765/callback"
    assert client.vendor.members.get().username == "demo-vendor"
