"""The Django admin over real HTTP: off unless an operator turns it on, and then never without the second factor."""

import importlib
import re

import pytest
import requests
from django.urls import clear_url_caches

import vrm.urls
from tests.factories import PASSWORD, UserFactory
from tests.vrm.test_accounts import current_code
from vrm import accounts

pytestmark = pytest.mark.django_db(transaction=True)


def reload_urls():
    clear_url_caches()
    importlib.reload(vrm.urls)


@pytest.fixture
def admin_enabled(settings):
    """VRM_ADMIN_ENABLED=1, as an operator sets it (the URLs are built from it when they load)."""
    settings.VRM_ADMIN_ENABLED = True
    reload_urls()
    yield
    settings.VRM_ADMIN_ENABLED = False
    reload_urls()


def staff_with_two_factor():
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = accounts.start_two_factor(staff)
    accounts.confirm_two_factor(staff, current_code(device))
    device.refresh_from_db()
    device.last_t = -1  # the confirming code was used; the next login may use the current one
    device.save(update_fields=["last_t"])
    return staff, device


def post_form(session, url, data):
    page = session.get(url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url},
                        timeout=10, allow_redirects=False)


def test_the_admin_is_not_served_unless_an_operator_turns_it_on(live_server):
    staff, _ = staff_with_two_factor()

    responses = [requests.get(f"{live_server.url}{path}", timeout=10, allow_redirects=False)
                 for path in ("/admin/", "/admin/login/")]

    assert [response.status_code for response in responses] == [404, 404]


def test_the_password_alone_opens_neither_the_admin_nor_the_portal_of_a_staff_account_with_two_factor(
    live_server, admin_enabled
):
    staff, _ = staff_with_two_factor()
    session = requests.Session()

    login = post_form(session, f"{live_server.url}/admin/login/",
                      {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    admin_index = session.get(f"{live_server.url}/admin/", timeout=10, allow_redirects=False)
    portal = session.get(f"{live_server.url}/accounts/security/", timeout=10, allow_redirects=False)

    assert login.status_code == 200 and "errornote" in login.text
    assert admin_index.status_code == 302 and admin_index.headers["Location"].startswith("/admin/login/")
    assert portal.status_code == 302 and portal.headers["Location"].startswith("/accounts/login/")


def test_the_password_and_a_current_code_open_the_admin(live_server, admin_enabled):
    staff, device = staff_with_two_factor()
    session = requests.Session()

    login = post_form(session, f"{live_server.url}/admin/login/",
                      {"username": staff.username, "password": PASSWORD, "otp_device": device.persistent_id,
                       "otp_token": current_code(device), "next": "/admin/"})
    admin_index = session.get(f"{live_server.url}/admin/", timeout=10, allow_redirects=False)

    assert login.status_code == 302 and login.headers["Location"] == "/admin/"
    assert admin_index.status_code == 200 and "Site administration" in admin_index.text


def test_a_staff_account_without_a_device_never_opens_the_admin(live_server, admin_enabled):
    staff = UserFactory(is_staff=True, is_superuser=True)
    session = requests.Session()

    login = post_form(session, f"{live_server.url}/admin/login/",
                      {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    portal_login = post_form(session, f"{live_server.url}/accounts/login/",
                             {"username": staff.username, "password": PASSWORD})
    admin_index = session.get(f"{live_server.url}/admin/", timeout=10, allow_redirects=False)

    assert login.status_code == 200 and "errornote" in login.text
    assert portal_login.status_code == 302
    assert admin_index.status_code == 302 and admin_index.headers["Location"].startswith("/admin/login/")
