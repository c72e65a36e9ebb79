"""The person's rights request pages: file from a grant, follow, download; bad input is a form error."""

import json

import pytest
from django.utils import timezone

from rights import services
from rights.models import RightsRequest
from tests.factories import UserFactory, make_grant
from tests.rights.helpers import file

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(person, client):
    client.force_login(person)
    return make_grant(person=person, vendor_name="Sextant Outfitters")


def test_the_grant_page_links_to_the_request_form(client, grant):
    page = client.get(f"/connections/{grant.pk}/").content.decode()

    assert f'href="/rights/new/{grant.pk}/"' in page


def test_filing_from_the_form_starts_the_clock_and_shows_the_deadline(client, grant, person):
    response = client.post(f"/rights/new/{grant.pk}/", {"kind": "access", "jurisdiction": "UK"}, follow=True)

    request = RightsRequest.objects.get()
    assert (request.person, request.kind, request.jurisdiction) == (person, "access", "UK")
    page = response.content.decode()
    assert "UK GDPR art. 15" in page and "Open" in page
    assert request.due_at.strftime("%-d %b %Y") in page


def test_a_right_the_chosen_law_does_not_give_is_a_form_error_and_nothing_is_filed(client, grant):
    response = client.post(f"/rights/new/{grant.pk}/", {"kind": "objection", "jurisdiction": "US-CA"})

    assert response.status_code == 400
    assert "gives no such right" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_another_persons_grant_or_request_is_not_found(client, grant):
    other = UserFactory()
    others_grant = make_grant(person=other)
    others_request = file(other, others_grant, now=timezone.now())

    assert client.get(f"/rights/new/{others_grant.pk}/").status_code == 404
    assert client.post(f"/rights/new/{others_grant.pk}/", {"kind": "access", "jurisdiction": "EU"}).status_code == 404
    assert client.get(f"/rights/{others_request.pk}/").status_code == 404
    assert client.get(f"/rights/{others_request.pk}/answer.json").status_code == 404
    assert RightsRequest.objects.count() == 1


def test_the_person_sees_the_answer_and_downloads_it_decrypted(client, grant, person):
    request = file(person, grant, now=timezone.now())
    services.respond(request.pk, client=grant.client, outcome="answered", attachment={"orders": ["A-1"]})

    listing = client.get("/rights/").content.decode()
    download = client.get(f"/rights/{request.pk}/answer.json")

    assert "was answered" in listing and "Sextant Outfitters" in listing
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert json.loads(download.content) == {"orders": ["A-1"]}


def test_an_overdue_request_is_shown_to_the_person(client, grant, person):
    request = file(person, grant)  # filed in March 2026: long past its deadline
    services.run_clocks()

    listing = client.get("/rights/").content.decode()
    detail = client.get(f"/rights/{request.pk}/").content.decode()

    assert "was overdue" in listing
    assert "Overdue since" in detail


def test_the_person_sets_their_jurisdiction_and_the_request_form_preselects_it(client, grant, person):
    response = client.post("/rights/jurisdiction/", {"jurisdiction": "BR"})
    form = client.get(f"/rights/new/{grant.pk}/").content.decode()

    assert response.status_code == 302 and services.jurisdiction_of(person) == "BR"
    assert '<option value="BR" selected>' in form


def test_an_unknown_jurisdiction_is_a_form_error_and_changes_nothing(client, grant, person, settings):
    settings.VRM_JURISDICTION = "UK"

    response = client.post("/rights/jurisdiction/", {"jurisdiction": "Atlantis"})

    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert services.jurisdiction_of(person) == "UK"
