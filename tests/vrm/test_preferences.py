from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from tests.factories import AuditorFactory, UserFactory, VendorUserFactory, make_grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory, home", [
    (UserFactory, "/connections/"), (VendorUserFactory, "/developers/"), (AuditorFactory, "/audit/"),
])
def test_after_login_each_role_lands_on_its_home(client, factory, home):
    client.force_login(factory())

    landing, front = client.get("/landing/"), client.get("/")

    assert (landing.status_code, landing["Location"]) == (302, home)
    assert (front.status_code, front["Location"]) == (302, home)


def test_the_chosen_time_zone_and_language_render_every_date(client):
    grant = make_grant()
    client.force_login(grant.person)

    saved = client.post("/settings/", {"time_zone": "Asia/Tokyo", "language": "de"})
    page = client.get(f"/connections/{grant.pk}/").content.decode()

    grant.person.refresh_from_db()
    assert saved.status_code == 302 and (grant.person.time_zone, grant.person.language) == ("Asia/Tokyo", "de")
    local = grant.expires_at.astimezone(ZoneInfo("Asia/Tokyo"))
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]
    assert f"{local.day}. {months[local.month - 1]} {local.year}" in page


def test_the_browser_time_zone_is_used_until_the_person_chooses_one(client):
    grant = make_grant()
    client.force_login(grant.person)
    client.cookies["browser_tz"] = "America%2FNew_York"

    page = client.get("/settings/").content.decode()

    assert "Your browser&#x27;s time zone" in page and 'data-browser-default="zone-from-browser"' in page
    assert client.get(f"/connections/{grant.pk}/").status_code == 200


def test_an_unknown_time_zone_is_a_form_error_and_changes_nothing(client):
    german = UserFactory(language="de")
    client.force_login(german)
    client.get("/settings/")  # the next person served by this thread must not inherit German
    person = UserFactory()
    client.force_login(person)

    response = client.post("/settings/", {"time_zone": "Mars/Olympus_Mons", "language": "xx"})

    person.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 400 and "Select a valid choice" in html
    assert (person.time_zone, person.language) == ("", "")


@override_settings(DEBUG=False)
def test_missing_pages_and_forbidden_pages_are_the_projects_own(client):
    client.force_login(VendorUserFactory())

    missing, forbidden = client.get("/no-such-page/"), client.get("/connections/")

    assert missing.status_code == 404 and "We cannot find that page" in missing.content.decode()
    assert forbidden.status_code == 403 and "This page is not for your account" in forbidden.content.decode()


def test_every_page_names_the_favicon_and_marks_the_current_section(client):
    client.force_login(UserFactory())

    html = client.get("/connections/").content.decode()

    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert 'href="/connections/" aria-current="page">Connections' in html
    assert 'href="/profile/" aria-current' not in html


def test_a_server_error_page_is_the_projects_own(rf):
    from vrm.middleware import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()
