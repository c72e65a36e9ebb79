"""A portal session ends a fixed time after its login however active it is, besides the idle timeout. Over HTTP."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from tests.factories import PASSWORD, PersonFactory
from tests.vrm.test_accounts import person_with_two_factor
from tests.vrm.test_reauthentication import logged_in
from vrm.middleware import SESSION_STARTED

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_since(browser):
    session = SessionStore(browser.session.cookies["sessionid"])
    return session[SESSION_STARTED]


def move_login_back(browser, seconds):
    """As if the session's login had happened `seconds` earlier (the clock the lifetime is measured on)."""
    session = SessionStore(browser.session.cookies["sessionid"])
    session[SESSION_STARTED] -= seconds
    session.save()


def test_the_default_lifetime_is_twelve_hours(settings):
    assert settings.VRM_SESSION_ABSOLUTE_SECONDS == 12 * 3600


@pytest.mark.parametrize("two_factor", [False, True], ids=["password", "password-and-code"])
def test_every_login_stamps_the_session_with_its_start(live_server, two_factor):
    person, device = person_with_two_factor() if two_factor else (PersonFactory(), None)
    before = time.time()

    browser = logged_in(live_server, person, device)

    assert before <= logged_in_since(browser) <= time.time()


def test_an_active_session_ends_at_its_absolute_lifetime_and_asks_for_login_again(live_server, settings):
    browser = logged_in(live_server, PersonFactory())
    session_key = browser.session.cookies["sessionid"]
    move_login_back(browser, settings.VRM_SESSION_ABSOLUTE_SECONDS + 1)

    response = browser.get("/profile/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert browser.get("/profile/").status_code == 302


def test_a_session_within_its_lifetime_stays_and_keeps_its_start(live_server, settings):
    browser = logged_in(live_server, PersonFactory())
    move_login_back(browser, settings.VRM_SESSION_ABSOLUTE_SECONDS - 60)
    started = logged_in_since(browser)

    response = browser.get("/profile/")

    assert response.status_code == 200
    assert logged_in_since(browser) == started


def test_the_lifetime_is_configurable(live_server, settings):
    settings.VRM_SESSION_ABSOLUTE_SECONDS = 3600
    browser = logged_in(live_server, PersonFactory())
    move_login_back(browser, 3601)

    response = browser.get("/profile/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")


def test_after_the_lifetime_a_fresh_login_gives_a_fresh_lifetime(live_server, settings):
    person = PersonFactory()
    browser = logged_in(live_server, person)
    move_login_back(browser, settings.VRM_SESSION_ABSOLUTE_SECONDS + 1)
    browser.get("/profile/")
    before = time.time()

    again = browser.post("/accounts/login/", {"username": person.username, "password": PASSWORD})

    assert again.status_code == 302 and browser.get("/profile/").status_code == 200
    assert logged_in_since(browser) >= before


@pytest.mark.django_db
def test_a_request_without_a_session_cookie_never_has_its_session_read(client):
    response = client.get("/.well-known/vrm-signing-key")

    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
