import base64

import pytest

from audit.models import AuditEntry
from consents.grants import revoke_grant
from tests.factories import make_client, make_grant

pytestmark = pytest.mark.django_db
URL = "/api/v1/grant/deletion-confirmation"


def basic(client_id, secret):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def ended_grant():
    oauth_client, secret = make_client()
    grant = make_grant(client=oauth_client)
    revoke_grant(grant, actor=grant.person)
    return grant, secret


def test_the_vendor_confirms_deletion_of_an_ended_grant_once(client):
    grant, secret = ended_grant()

    first = client.post(URL, {"grant_id": str(grant.pk)}, content_type="application/json", **basic(grant.client.client_id, secret))
    again = client.post(URL, {"grant_id": str(grant.pk)}, content_type="application/json", **basic(grant.client.client_id, secret))

    grant.refresh_from_db()
    assert (first.status_code, again.status_code) == (200, 200) and grant.deletion_confirmed_at is not None
    assert AuditEntry.objects.filter(grant_id=grant.pk, event="deletion_confirmed").count() == 1


def test_a_live_grant_cannot_be_confirmed_deleted(client):
    oauth_client, secret = make_client()
    grant = make_grant(client=oauth_client)

    response = client.post(URL, {"grant_id": str(grant.pk)}, content_type="application/json", **basic(oauth_client.client_id, secret))

    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("case", ["no_auth", "wrong_secret", "other_client", "bad_id", "garbage_auth"])
def test_refusals_are_problem_details_and_change_nothing(client, case):
    grant, secret = ended_grant()
    other_client, other_secret = make_client()
    headers, body, status = basic(grant.client.client_id, secret), {"grant_id": str(grant.pk)}, None
    if case == "no_auth":
        headers, status = {}, 401
    elif case == "wrong_secret":
        headers, status = basic(grant.client.client_id, "nope"), 401
    elif case == "garbage_auth":
        headers, status = {"HTTP_AUTHORIZATION": "Basic !!!"}, 401
    elif case == "other_client":
        headers, status = basic(other_client.client_id, other_secret), 404
    elif case == "bad_id":
        body, status = {"grant_id": "not-a-uuid"}, 400

    response = client.post(URL, body, content_type="application/json", **headers)

    grant.refresh_from_db()
    assert response.status_code == status and response["Content-Type"] == "application/problem+json"
    assert grant.deletion_confirmed_at is None
