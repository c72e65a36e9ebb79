import json
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from audit import signing
from audit.log import record_grant_event
from audit.models import Receipt
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt():
    grant = GrantFactory()
    with transaction.atomic():
        record_grant_event(grant, "created", actor=grant.person)
    return Receipt.objects.get(grant_id=grant.pk)


def owner_of(receipt):
    return GrantFactory._meta.model.objects.get(pk=receipt.grant_id).person


def test_the_person_downloads_their_receipt_as_a_json_file(client, receipt):
    client.force_login(owner_of(receipt))

    response = client.get(f"/receipts/{receipt.id}/download")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="consent-receipt-{receipt.id}.json"'
    assert json.loads(response.content) == {"receipt": receipt.payload, "jws": receipt.jws}


def test_nobody_else_downloads_it(client, receipt):
    anonymous = client.get(f"/receipts/{receipt.id}/download")
    client.force_login(UserFactory())
    stranger = client.get(f"/receipts/{receipt.id}/download")

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert stranger.status_code == 404


def test_the_verify_page_confirms_a_genuine_receipt_pasted_or_uploaded(client, receipt):
    document = json.dumps(receipt.document())

    pasted = client.post("/receipts/verify", {"text": document})
    uploaded = client.post("/receipts/verify", {"file": SimpleUploadedFile("r.json", document.encode())})

    for response in (pasted, uploaded):
        assert response.status_code == 200
        assert "Verified: signed by this server" in response.content.decode()
        assert str(receipt.grant_id) in response.content.decode()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Paste a receipt or choose its file."),
        ("hello", "three base64url parts"),
        ("eyJhbGciOiJFZERTQSJ9.e30.AAAA", "unknown key"),
        ("eyJhbGciOiAiRWREU0EiLCAia2lkIjogWzFdfQ.e30.AAAA", "unknown key"),
        ("é.e30.AAAA", "three base64url parts"),
    ],
)
def test_the_verify_page_explains_what_is_wrong(client, text, message):
    response = client.post("/receipts/verify", {"text": text})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Verified: signed" not in response.content.decode()


def test_the_public_key_is_published_as_a_jwk_set(client):
    response = client.get("/.well-known/vrm-signing-key")

    assert response.json() == {"keys": [signing.public_jwk()]}
    assert response.json()["keys"][0]["kty"] == "OKP" and "d" not in response.json()["keys"][0]


def test_the_withdrawal_link_in_a_receipt_is_for_the_owner_only(client, receipt):
    client.force_login(UserFactory())

    response = client.get(urlsplit(receipt.payload["withdrawal_method"]["url"]).path)

    assert response.status_code == 404
