"""Grave steps ask again, over real HTTP: the current password (with the login's lock-out) and, with two-factor
login on, the current code. Erasure, turning two-factor off and changing the password."""

import re

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, PersonFactory
from tests.vrm.test_accounts import NEW_PASSWORD, current_code, person_with_two_factor
from vrm import vault
from vrm.models import Vault

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "not my password 1"
# (path, the form's fields besides the current password, the field the current password goes in)
STEPS = {
    "erasure": ("/accounts/delete/", {"confirm": "on"}, "password"),
    "two-factor off": ("/accounts/two-factor/disable/", {}, "password"),
    "password change": ("/accounts/password/change/",
                        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "old_password"),
}


class Browser:
    """A person's browser on the live server: a session that posts forms with their CSRF token."""

    def __init__(self, base):
        self.base, self.session = base, requests.Session()

    def post(self, path, data):
        url = f"{self.base}{path}"
        page = self.session.get(url, timeout=10, allow_redirects=False)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.session.post(url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url},
                                 timeout=10, allow_redirects=False)

    def get(self, path):
        return self.session.get(f"{self.base}{path}", timeout=10, allow_redirects=False)


def logged_in(live_server, person, device=None):
    vault.ensure_vault(person)
    browser = Browser(live_server.url)
    login = browser.post("/accounts/login/", {"username": person.username, "password": PASSWORD})
    if device is not None:
        login = browser.post("/accounts/login/code/", {"code": current_code(device)})
    assert login.status_code == 302 and login.headers["Location"] == "/landing/"
    return browser


def unchanged(person, step):
    person.refresh_from_db()
    return {
        "erasure": person.is_active and Vault.objects.get(person=person).key_ref is not None,
        "two-factor off": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
        "password change": person.check_password(PASSWORD),
    }[step]


@pytest.mark.parametrize("step", STEPS)
def test_repeated_wrong_current_passwords_lock_the_step_and_the_login_like_failed_logins(live_server, settings, step):
    person, device = person_with_two_factor()
    browser = logged_in(live_server, person, device)
    path, fields, password_field = STEPS[step]
    extra = {} if step == "password change" else {"code": "000000"}

    failures = [browser.post(path, {**fields, **extra, password_field: WRONG})
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    with_right_password = browser.post(path, {**fields, password_field: PASSWORD,
                                              **({} if step == "password change" else {"code": current_code(device)})})
    login_elsewhere = Browser(live_server.url).post("/accounts/login/", {"username": person.username,
                                                                          "password": PASSWORD})

    assert {response.status_code for response in failures[:-1]} == {400 if step != "password change" else 200}
    assert with_right_password.status_code == 429 and "Too many failed logins" in with_right_password.text
    assert login_elsewhere.status_code == 429
    assert unchanged(person, step)


@pytest.mark.parametrize("step", ["erasure", "two-factor off"])
@pytest.mark.parametrize("code", [None, "wrong", "replayed"])
def test_with_two_factor_on_the_step_needs_a_current_unused_code_besides_the_password(live_server, step, code):
    person, device = person_with_two_factor()
    browser = logged_in(live_server, person, device)
    used = current_code(device)  # the login just used it
    path, fields, _ = STEPS[step]
    sent = {None: {}, "wrong": {"code": "000000" if used != "000000" else "111111"}, "replayed": {"code": used}}[code]

    response = browser.post(path, {**fields, "password": PASSWORD, **sent})

    assert response.status_code == 400
    assert ("This field is required." if code is None else "That code is not right") in response.text
    assert unchanged(person, step)


def test_erasure_with_two_factor_on_succeeds_with_the_password_and_a_fresh_code(live_server):
    person, device = person_with_two_factor()
    browser = logged_in(live_server, person, device)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # as if the login's code had expired

    response = browser.post("/accounts/delete/", {"confirm": "on", "password": PASSWORD, "code": current_code(device)})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not unchanged(person, "erasure")


def test_turning_two_factor_off_succeeds_with_the_password_and_a_fresh_code(live_server):
    person, device = person_with_two_factor()
    browser = logged_in(live_server, person, device)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)

    response = browser.post("/accounts/two-factor/disable/", {"password": PASSWORD, "code": current_code(device)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_without_two_factor_the_password_alone_confirms_erasure(live_server):
    person = PersonFactory()
    browser = logged_in(live_server, person)

    response = browser.post("/accounts/delete/", {"confirm": "on", "password": PASSWORD})

    assert response.status_code == 302 and not unchanged(person, "erasure")
