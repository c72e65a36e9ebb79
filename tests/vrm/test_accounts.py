from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, PersonFactory
from vrm import accounts
from vrm.models import DataKey, User, Vault

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh passphrase 42"


def current_code(device):
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def log_in(client, person, password=PASSWORD):
    return client.post("/accounts/login/", {"username": person.username, "password": password})


def person_with_two_factor():
    person = PersonFactory()
    device = accounts.start_two_factor(person)
    accounts.confirm_two_factor(person, current_code(device))
    # The confirming code was used; the next login needs a later one, so start from a clean slate.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return person, TOTPDevice.objects.get(pk=device.pk)


def test_sign_up_creates_a_person_with_an_argon2_password_and_a_vault_and_logs_them_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "email": "ada@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    person = User.objects.get(username="ada")
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert person.role == User.Role.PERSON and person.password.startswith("argon2")
    assert DataKey.objects.filter(pk=Vault.objects.get(person=person).key_ref).exists()
    assert client.get("/profile/").status_code == 200


def test_sign_up_with_mismatched_passwords_shows_the_error_and_creates_nothing(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "email": "ada@example.org", "password1": NEW_PASSWORD, "password2": "something else 99"},
    )

    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert not User.objects.filter(username="ada").exists()


def test_login_gives_a_new_session_id(client):
    person = PersonFactory()
    client.get("/accounts/login/")
    client.session.save()
    before = client.cookies["sessionid"].value

    response = log_in(client, person)

    assert response.status_code == 302 and response["Location"] == "/landing/"
    assert client.cookies["sessionid"].value != before


def test_logout_is_post_only_and_ends_the_session_on_the_server(client):
    person = PersonFactory()
    log_in(client, person)
    session_key = client.cookies["sessionid"].value

    refused = client.get("/accounts/logout/")
    assert refused.status_code == 405 and Session.objects.filter(session_key=session_key).exists()

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=session_key).exists()


def test_an_idle_session_expires_and_asks_for_login_again(client, settings):
    person = PersonFactory()
    log_in(client, person)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get("/profile/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_repeated_failures_lock_the_login_with_a_clear_message_that_ends_by_itself(client, settings):
    person = PersonFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, person, password="wrong password")

    locked = log_in(client, person)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    later = log_in(client, person)

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode() and "The lock ends by itself" in locked.content.decode()
    assert later.status_code == 302


def test_a_wrong_password_shows_a_form_error(client):
    response = log_in(client, PersonFactory(), password="wrong password")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_with_two_factor_on_the_password_alone_does_not_log_in(client):
    person, _ = person_with_two_factor()

    response = log_in(client, person)

    assert response["Location"] == "/accounts/login/code/"
    assert client.get("/profile/").status_code == 302


def test_with_two_factor_on_a_correct_code_logs_in_and_the_same_code_works_only_once(client):
    person, device = person_with_two_factor()
    log_in(client, person)
    code = current_code(device)

    first = client.post("/accounts/login/code/", {"code": code})
    client.post("/accounts/logout/")
    log_in(client, person)
    replay = client.post("/accounts/login/code/", {"code": code})

    assert first.status_code == 302 and first["Location"] == "/landing/"
    assert replay.status_code == 200 and "already used" in replay.content.decode()
    assert client.get("/profile/").status_code == 302


def test_a_wrong_code_is_refused_with_a_message(client):
    person, _ = person_with_two_factor()
    log_in(client, person)

    response = client.post("/accounts/login/code/", {"code": "000000"})

    assert response.status_code == 200 and "That code is not right" in response.content.decode()


def test_turning_on_two_factor_shows_a_qr_code_and_needs_a_correct_code(client):
    person = PersonFactory()
    log_in(client, person)
    client.post("/accounts/two-factor/setup/")
    page = client.get("/accounts/two-factor/setup/").content.decode()
    device = TOTPDevice.objects.get(user=person)

    wrong = client.post("/accounts/two-factor/confirm/", {"code": "123456" if current_code(device) != "123456" else "654321"})
    right = client.post("/accounts/two-factor/confirm/", {"code": current_code(device)})

    assert 'src="data:image/svg+xml' in page
    assert wrong.status_code == 400
    assert right.status_code == 302
    assert TOTPDevice.objects.get(user=person).confirmed


def test_turning_off_two_factor_needs_the_password_and_a_code(client):
    person, device = person_with_two_factor()
    client.force_login(person)

    wrong = client.post("/accounts/two-factor/disable/", {"password": "not it", "code": current_code(device)})
    assert wrong.status_code == 400 and TOTPDevice.objects.filter(user=person).exists()

    client.post("/accounts/two-factor/disable/", {"password": PASSWORD, "code": current_code(device)})
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    person = PersonFactory()

    client.post("/accounts/password/reset/", {"email": person.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    form = client.get(link.split("testserver", 1)[1], follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    person.refresh_from_db()
    assert done.status_code == 302 and person.check_password(NEW_PASSWORD)


def test_password_change_keeps_the_person_logged_in(client):
    person = PersonFactory()
    log_in(client, person)

    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert client.get("/profile/").status_code == 200


def test_account_deletion_with_a_wrong_password_changes_nothing(client):
    person = PersonFactory()
    client.force_login(person)

    response = client.post("/accounts/delete/", {"password": "not it", "confirm": "on"})

    person.refresh_from_db()
    assert response.status_code == 400 and "That is not your current password." in response.content.decode()
    assert person.is_active


def test_account_deletion_erases_and_logs_out(client):
    person = PersonFactory()
    accounts.vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    client.force_login(person)

    response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    person.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/"
    assert not person.is_active and Vault.objects.get(person=person).key_ref is None
    assert client.get("/profile/").status_code == 302
    assert log_in(Client(), person).status_code == 200


@pytest.mark.parametrize("url", ["/accounts/logout/", "/accounts/delete/", "/accounts/two-factor/confirm/", "/profile/attributes/1/delete/"])
def test_get_never_changes_state(client, url):
    person = PersonFactory()
    client.force_login(person)

    response = client.get(url)

    person.refresh_from_db()
    assert response.status_code in (200, 405) and person.is_active


def test_a_form_posted_without_a_csrf_token_is_refused():
    person = PersonFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    response = client.post("/profile/identity/", {"given_name": "Eve"})

    assert response.status_code == 403
    assert accounts.vault.read_profile(person, ["identity"]) == {"identity": {}}
