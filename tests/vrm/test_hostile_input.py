"""Portal forms under hostile input: every refusal is a form error that changes nothing, every value that is
accepted is stored sealed, and whatever comes back to the page is escaped. Never a 500."""

import html

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, PersonFactory
from vrm import accounts, vault
from vrm.models import AttributeDefinition, ProfileValue, User, Vault

pytestmark = pytest.mark.django_db

LONG = "x" * 100_000
NUL = "Ada\x00Lovelace"
ESCAPE = "Ada\x1b[31mLovelace"
RTL_OVERRIDE = "Ada\u202etxt.exe"
C1 = "Ada\x85Lovelace"
SEPARATORS = "\x1c\x1f"  # str.strip() removes these: they must be refused, not taken as a blank that clears
SCRIPT = '<script>document.title="pwned"</script>'
INJECTED = '"><img src=x onerror=alert(1)><svg onload=alert(2)>'
HOSTILE = {"long": LONG, "nul": NUL, "escape": ESCAPE, "rtl-override": RTL_OVERRIDE, "c1": C1,
           "separators": SEPARATORS, "script": SCRIPT, "injected": INJECTED}


def assert_shown_escaped(response, value):
    """No hostile markup reaches the page as markup, and no 500: if the value is shown, it is shown escaped."""
    body = response.content.decode()
    assert response.status_code < 500
    for raw in ("<script>document.title", "<img src=x", "<svg onload"):
        assert raw not in body


def assert_echoed_escaped(response, value):
    assert html.escape(value) in response.content.decode()


@pytest.fixture
def person(client):
    person = PersonFactory()
    client.force_login(person)
    return person


# --- sign-up -------------------------------------------------------------------------------------

SIGNUP = {"username": "ada", "email": "ada@example.org", "password1": "a fresh passphrase 42",
          "password2": "a fresh passphrase 42"}


@pytest.mark.parametrize("field", ["username", "email"])
@pytest.mark.parametrize("kind", HOSTILE, ids=list(HOSTILE))
def test_sign_up_with_a_hostile_field_is_a_form_error_and_creates_nothing(client, field, kind):
    value = HOSTILE[kind]

    response = client.post("/accounts/signup/", dict(SIGNUP, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists() and not Vault.objects.exists()
    assert_shown_escaped(response, value)
    if kind in ("script", "injected"):
        assert_echoed_escaped(response, value)


def test_sign_up_with_a_nul_in_the_password_is_a_form_error(client):
    response = client.post("/accounts/signup/", dict(SIGNUP, password1=NUL + "9x", password2=NUL + "9x"))

    assert response.status_code == 200 and response.context["form"].errors
    assert not User.objects.exists()


def test_a_valid_email_address_longer_than_the_column_is_a_form_error(client):
    too_long = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"  # 313 characters, valid syntax

    response = client.post("/accounts/signup/", dict(SIGNUP, email=too_long))

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("kind", ["long", "escape", "rtl-override", "script", "injected"])
def test_any_other_password_is_accepted_hashed_and_never_echoed(client, kind):
    password = HOSTILE[kind] + " 9x"
    # The passwords hold the word "Ada"; a password with a word like the username is refused (vrm/passwords.py).
    signup = dict(SIGNUP, username="grace", email="grace@example.org", password1=password, password2=password)

    response = client.post("/accounts/signup/", signup)

    assert response.status_code == 302
    person = User.objects.get(username="grace")
    assert person.check_password(password) and password not in person.password


# --- login ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", HOSTILE, ids=list(HOSTILE))
def test_logging_in_with_a_hostile_username_is_refused_plainly(client, kind):
    PersonFactory(username="ada")

    response = client.post("/accounts/login/", {"username": HOSTILE[kind], "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session
    assert_shown_escaped(response, HOSTILE[kind])


@pytest.mark.parametrize("data", [{}, {"username": "ada"}, {"password": PASSWORD}, {"username": ["a", "b"]}])
def test_logging_in_with_missing_fields_is_a_form_error(client, data):
    response = client.post("/accounts/login/", data)

    assert response.status_code == 200 and response.context["form"].errors


# --- profile edit, every attribute type -----------------------------------------------------------

# (category, field, type): one catalogue attribute of each type.
TYPED_FIELDS = [
    ("identity", "given_name", "text"),
    ("contact", "email", "email"),
    ("contact", "phone", "phone"),
    ("identity", "birth_date", "date"),
    ("address", "country", "country"),
    ("preferences", "language", "choice"),
]
KNOWN_GOOD = {"given_name": "Grace", "email": "grace@example.org", "phone": "+442079460958",
              "birth_date": "1906-12-09", "country": "US", "language": "English"}
# Values refused for every type (text accepts markup, which is stored sealed: tested below).
REFUSED_EVERYWHERE = ["long", "nul", "escape", "rtl-override", "c1", "separators"]
TYPE_SPECIFIC = [
    ("birth_date", "0001-01-01"), ("birth_date", "9999-12-31"), ("birth_date", "1899-12-31"),
    ("birth_date", "2101-01-01"), ("birth_date", "2023-02-29"), ("birth_date", "-2000-01-01"),
    ("birth_date", "99999-01-01"), ("birth_date", "1990-13-01"),
    ("language", "Klingon"), ("language", "english"), ("language", "Englis"), ("language", SCRIPT),
    ("country", "ZZ"), ("country", "FRA"), ("country", SCRIPT),
    ("email", SCRIPT), ("email", "ada@" + "x" * 300 + ".org"), ("email", "a@b@c.org"),
    ("phone", SCRIPT), ("phone", "+1" + "9" * 40), ("phone", "not a number"),
]
CATEGORY_OF = {field: category for category, field, _ in TYPED_FIELDS}


def sealed_state(person):
    return sorted(ProfileValue.objects.filter(vault__person=person).values_list("attribute_id", "sealed_value"))


def refuse(client, person, field, value):
    category = CATEGORY_OF[field]
    vault.update_profile(person, category=category, values={f: KNOWN_GOOD[f] for f in KNOWN_GOOD if CATEGORY_OF[f] == category})
    before, profile_before = sealed_state(person), vault.read_profile(person, [category])

    response = client.post(f"/profile/{category}/", {**{f: KNOWN_GOOD[f] for f in KNOWN_GOOD if CATEGORY_OF[f] == category}, field: value})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "nothing was saved" in response.content.decode()
    assert sealed_state(person) == before and vault.read_profile(person, [category]) == profile_before
    assert_shown_escaped(response, value)


@pytest.mark.parametrize("category, field, type_", TYPED_FIELDS, ids=[t for _, _, t in TYPED_FIELDS])
@pytest.mark.parametrize("kind", REFUSED_EVERYWHERE)
def test_a_hostile_value_of_any_type_is_a_field_error_and_changes_nothing(client, person, category, field, type_, kind):
    refuse(client, person, field, HOSTILE[kind])


@pytest.mark.parametrize("field, value", TYPE_SPECIFIC)
def test_a_value_outside_its_type_is_a_field_error_and_changes_nothing(client, person, field, value):
    refuse(client, person, field, value)


@pytest.mark.parametrize("value", [SCRIPT, INJECTED, "", "  ", "名前 😀 עברית", "x" * 500])
def test_free_text_is_stored_sealed_and_shown_escaped(client, person, value):
    response = client.post("/profile/identity/", {"given_name": value})

    overview = client.get("/profile/")
    export = client.get("/profile/export/")
    assert response.status_code == 302
    assert vault.read_profile(person, ["identity"])["identity"].get("given_name", "") == value.strip()
    if value.strip():
        sealed = ProfileValue.objects.get(vault__person=person).sealed_value
        assert value.encode() not in bytes(sealed)
    assert_shown_escaped(overview, value)
    assert_shown_escaped(export, value)
    if value.strip():
        assert_echoed_escaped(overview, value.strip())
        assert_echoed_escaped(export, value.strip())


def test_fields_of_another_category_or_unknown_keys_are_ignored(client, person):
    response = client.post("/profile/identity/", {"given_name": "Ada", "email": "x@example.org", "is_staff": "1"})

    assert response.status_code == 302
    assert vault.read_profile(person, ["identity", "contact"]) == {"identity": {"given_name": "Ada"}, "contact": {}}
    person.refresh_from_db()
    assert not person.is_staff


# --- custom attributes ---------------------------------------------------------------------------

GOOD_ATTRIBUTE = {"category": "preferences", "label": "Shoe size", "type": "text", "choices": ""}


@pytest.mark.parametrize(
    "changes",
    [
        {"label": LONG}, {"label": NUL}, {"label": ESCAPE}, {"label": RTL_OVERRIDE}, {"label": C1},
        {"label": "Two\nlines"}, {"label": "   "},
        {"category": "purchases"}, {"category": SCRIPT}, {"type": "html"}, {"type": SCRIPT},
        {"type": "choice", "choices": "only one"}, {"type": "choice", "choices": "\n".join(map(str, range(31)))},
        {"type": "choice", "choices": "a\nb\x1bc"}, {"type": "choice", "choices": "a\n" + "b" * 101},
        {"type": "choice", "choices": "a\nb\u202e"}, {"type": "choice", "choices": LONG},
    ],
    ids=lambda changes: ",".join(f"{k}={v[:12]!r}" for k, v in changes.items()),
)
def test_a_hostile_custom_attribute_is_refused_and_nothing_is_created(client, person, changes):
    response = client.post("/profile/attributes/new/", {**GOOD_ATTRIBUTE, **changes})

    assert response.status_code == 400
    assert response.context["form"].errors
    assert not AttributeDefinition.objects.filter(owner=person).exists()
    for value in changes.values():
        assert_shown_escaped(response, value)


def test_a_custom_attribute_named_with_markup_is_shown_as_text_everywhere(client, person):
    response = client.post("/profile/attributes/new/", {**GOOD_ATTRIBUTE, "label": SCRIPT}, follow=True)

    attribute = AttributeDefinition.objects.get(owner=person)
    assert attribute.label == SCRIPT and attribute.key == "custom_scriptdocumenttitlepwnedscript"
    assert_shown_escaped(response, SCRIPT)  # the edit page, with its success message
    assert_echoed_escaped(response, SCRIPT)
    overview = client.get("/profile/")
    assert_shown_escaped(overview, SCRIPT)
    assert_echoed_escaped(overview, SCRIPT)


def test_a_choice_attribute_refuses_an_option_it_does_not_offer(client, person):
    size = vault.add_custom_attribute(person, category="preferences", label="Size", type="choice", choices=["S", "M"])

    response = client.post("/profile/preferences/", {size.key: "XL"})

    assert response.status_code == 400
    assert "Choose one of the listed options." in response.content.decode()
    assert vault.read_profile(person, ["preferences"]) == {"preferences": {}}


# --- password change -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [
        {"old_password": NUL, "new_password1": "new passphrase 77", "new_password2": "new passphrase 77"},
        {"old_password": LONG, "new_password1": "new passphrase 77", "new_password2": "new passphrase 77"},
        {"old_password": PASSWORD, "new_password1": NUL, "new_password2": NUL},
        {"old_password": PASSWORD, "new_password1": "new passphrase 77", "new_password2": SCRIPT},
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
        {"old_password": SCRIPT},
        {},
    ],
    ids=["nul-old", "long-old", "nul-new", "mismatch-markup", "too-short", "missing-new", "empty"],
)
def test_a_hostile_password_change_is_refused_and_the_password_stays(client, person, data):
    response = client.post("/accounts/password/change/", data)

    person.refresh_from_db()
    assert response.status_code == 200 and response.context["form"].errors
    assert person.check_password(PASSWORD)
    assert_shown_escaped(response, SCRIPT)


# --- account deletion and two-factor -------------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [{"password": PASSWORD}, {"password": NUL, "confirm": "on"}, {"password": LONG, "confirm": "on"},
     {"password": SCRIPT, "confirm": "on"}, {"confirm": "on"}, {"password": [PASSWORD, "x"], "confirm": "on"}],
    ids=["no-confirm", "nul", "long", "markup", "no-password", "two-passwords"],
)
def test_a_hostile_deletion_request_is_refused_and_the_account_stays(client, person, data):
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})

    response = client.post("/accounts/delete/", data)

    person.refresh_from_db()
    assert response.status_code == 400 and response.context["form"].errors
    assert person.is_active and person.check_password(PASSWORD)
    assert vault.read_profile(person, ["identity"]) == {"identity": {"given_name": "Ada"}}
    assert_shown_escaped(response, SCRIPT)


@pytest.mark.parametrize("code", ["12345<script>", NUL, LONG, "１２３４５６", "123 456 789", ""])
def test_a_hostile_two_factor_code_is_refused_and_two_factor_stays_off(client, person, code):
    accounts.start_two_factor(person)

    response = client.post("/accounts/two-factor/confirm/", {"code": code})

    assert response.status_code == 400 and response.context["form"].errors
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()
    assert_shown_escaped(response, code)
