"""A rights request end to end over real HTTP: the person files an access request in the browser, the vendor
gets the signed webhook (delivered by a real worker), lists the request and answers it with JSON as its
client, and the person downloads the answer from the portal; the database holds it only sealed."""

import json

import pytest
import requests
from django.apps import apps
from playwright.sync_api import expect

from rights.models import RightsRequest
from tests.factories import PASSWORD, make_client, make_grant
from tests.processes import wait_until
from tests.vendors.webhook_receiver import webhook_receiver
from vendors import webhooks

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

MARKER = "Sextant-of-Ada-7741"


def everything_stored():
    """Every row of every table, as text: what a copy of the database would show."""
    return "\n".join(str(list(model.objects.all().values())) for model in apps.get_models())


def test_a_person_files_an_access_request_the_vendor_answers_and_the_person_downloads_it(page, live_server, worker, person):
    oauth_client, secret = make_client()
    grant = make_grant(person=person, client=oauth_client, vendor_name="Sextant Outfitters")
    with webhook_receiver() as receiver:
        signing_secret = webhooks.set_endpoint(oauth_client, receiver.url)[1]
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(person.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"/connections/{grant.pk}/")

        page.get_by_role("link", name="Make a request to this vendor").click()
        page.get_by_role("button", name="Send request").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Access: what do you hold about me?")
        wait_until(lambda: receiver.requests, message="the rights_request.created webhook")
    headers, body = receiver.requests[0]
    assert headers["VRM-Event"] == "rights_request.created"
    assert webhooks.verify_signature(signing_secret, body, headers["VRM-Signature"])
    request_id = json.loads(body)["rights_request"]["id"]

    base = live_server.url
    listed = requests.get(f"{base}/api/v1/rights-requests", auth=(oauth_client.client_id, secret), timeout=10)
    assert [item["id"] for item in listed.json()["rights_requests"]] == [request_id]
    answered = requests.post(
        f"{base}/api/v1/rights-requests/{request_id}/response", auth=(oauth_client.client_id, secret), timeout=10,
        json={"outcome": "answered", "attachment": {"orders": [{"item": MARKER, "price": "89.00"}]}},
    )
    assert answered.status_code == 200, answered.text

    page.reload()
    expect(page.get_by_text("Answered", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the vendor's answer (JSON)").click()
    downloaded = json.loads(open(download_info.value.path(), encoding="utf-8").read())

    assert downloaded == {"orders": [{"item": MARKER, "price": "89.00"}]}
    stored = RightsRequest.objects.get(pk=request_id)
    assert stored.sealed_answer is not None and MARKER.encode() not in bytes(stored.sealed_answer)
    assert MARKER not in everything_stored()
