import pytest
from django.test import override_settings

from tests.factories import PersonFactory, make_grant
from vrm import vault
from vrm.models import AttributeDefinition, ProfileValue, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(client):
    person = PersonFactory()
    client.force_login(person)
    return person


def test_the_overview_shows_every_category_and_the_values(client, person):
    vault.update_profile(person, category="address", values={"city": "Lyon", "country": "FR"})

    page = client.get("/profile/").content.decode()

    for heading in ("Identity", "Contact", "Address", "Preferences"):
        assert f">{heading}</h2>" in page
    assert "Lyon" in page and "France" in page


def test_saving_a_category_stores_normalised_values(client, person):
    response = client.post(
        "/profile/contact/", {"email": "ada@example.org", "phone": "+44 20 7946 0958"}
    )

    assert response.status_code == 302
    assert vault.read_profile(person, ["contact"]) == {"contact": {"email": "ada@example.org", "phone": "+442079460958"}}


@pytest.mark.parametrize(
    "category, field, value, message",
    [
        ("contact", "email", "not-an-email", "Enter a valid email address."),
        ("contact", "phone", "12", "Enter a phone number with its country code"),
        ("identity", "birth_date", "31.12.1990", "Enter a date as YYYY-MM-DD."),
        ("address", "country", "XX", "Choose a country from the list."),
        ("preferences", "language", "Klingon", "Choose one of the listed options."),
        ("identity", "given_name", "x" * 501, "Ensure this value has at most 500 characters"),
    ],
)
def test_an_invalid_value_shows_a_field_error_and_saves_nothing(client, person, category, field, value, message):
    response = client.post(f"/profile/{category}/", {field: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProfileValue.objects.exists()


def test_an_unknown_category_is_not_found(client, person):
    assert client.get("/profile/medical/").status_code == 404


def test_a_person_adds_a_custom_attribute_and_fills_it_in(client, person):
    added = client.post("/profile/attributes/new/", {"category": "preferences", "label": "Shoe size", "type": "text"})
    saved = client.post("/profile/preferences/", {"custom_shoe_size": "42"})

    assert added.status_code == 302 and added["Location"] == "/profile/preferences/"
    assert saved.status_code == 302
    assert "Shoe size" in client.get("/profile/").content.decode()
    assert vault.read_profile(person, ["preferences"]) == {"preferences": {"custom_shoe_size": "42"}}


def test_a_choice_attribute_without_options_is_refused(client, person):
    response = client.post("/profile/attributes/new/", {"category": "identity", "label": "Tribe", "type": "choice"})

    assert response.status_code == 400
    assert "A choice needs at least two options" in response.content.decode()
    assert not AttributeDefinition.objects.filter(owner=person).exists()


def test_a_person_cannot_remove_anothers_attribute(client, person):
    theirs = vault.add_custom_attribute(PersonFactory(), category="identity", label="Nickname", type="text")

    response = client.post(f"/profile/attributes/{theirs.pk}/delete/")

    assert response.status_code == 404 and AttributeDefinition.objects.filter(pk=theirs.pk).exists()


def test_the_overview_names_the_vendors_that_can_see_a_category_now(client, person):
    make_grant(person, vendor_name="Outfitters", scopes=["contact:read"])
    make_grant(person, vendor_name="Paused Co", scopes=["contact:read"], status="paused")
    make_grant(person, vendor_name="Addresses Ltd", scopes=["address:read"])

    page = client.get("/profile/").content.decode()
    contact = page.split('id="cat-contact"')[1].split("</section>")[0]
    identity = page.split('id="cat-identity"')[1].split("</section>")[0]

    assert "Outfitters" in contact and "Paused Co" not in contact and "Addresses Ltd" not in contact
    assert "Outfitters" not in identity and "No vendor" in identity


def test_a_tampered_value_shows_a_clear_error_page_not_data(client, person):
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    ProfileValue.objects.update(sealed_value=b"\x01" + b"\x00" * 40)

    response = client.get("/profile/")

    assert response.status_code == 500
    assert "Your vault could not be read" in response.content.decode()


def test_vendor_developers_have_no_profile(client):
    client.force_login(PersonFactory(role=User.Role.VENDOR))

    assert client.get("/profile/").status_code == 403


def test_the_profile_requires_login(client):
    response = client.get("/profile/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/profile/"


@override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True)
def test_portal_pages_carry_the_security_headers(client, person):
    response = client.get("/profile/", secure=True)

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "no-store" in response["Cache-Control"]
