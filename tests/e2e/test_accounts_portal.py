import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from vrm.models import User, Vault

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long pass phrase 42"


def sign_up(page, username="ada"):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(f"{username}@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def log_in(page, username="ada", password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def code_for(device):
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_sign_up_log_out_and_log_in_again(page):
    sign_up(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    log_in(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your connections")  # a person's home
    expect(page.get_by_text("Signed in as ada")).to_be_visible()


def test_turn_on_two_factor_and_log_in_with_a_code(page):
    sign_up(page)
    page.get_by_role("link", name="Security").click()
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    device = TOTPDevice.objects.get(user__username="ada")
    page.get_by_label("6-digit code").fill(code_for(device))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("Two-factor login is on.", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the set-up code was this step's; allow it once more

    log_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("6-digit code").fill(code_for(device))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your connections")


def test_delete_the_account_with_the_password(page):
    sign_up(page)
    page.goto("/accounts/delete/")
    page.get_by_label("Your current password").fill("not my password")
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete my account").click()

    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    person = User.objects.get(email="", is_active=False)
    assert Vault.objects.get(person=person).key_ref is None
    log_in(page)
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()


def test_repeated_wrong_passwords_lock_the_login(page, settings):
    sign_up(page)
    page.get_by_role("button", name="Log out").click()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, password="wrong password")

    log_in(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed logins")
    expect(page.get_by_text("The lock ends by itself")).to_be_visible()
