"""An unreachable database is a clean 503 on every surface (vrm/middleware.py): a page on the portal and
the consent screen, problem details on the API, OAuth JSON on the token endpoint; nothing is kept of
a request cut off half way, and every other database error stays a 500."""

from contextlib import contextmanager

import pytest
import requests
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, ProgrammingError, connection, connections
from django.test import Client

from audit.models import AuditEntry
from consents.models import Grant
from tests.factories import REDIRECT_URI, UserFactory, issue_token, make_client, make_grant, pkce_pair
from vendors.models import AuthorizationCode
from vrm.middleware import server_error
from vrm.problems import problem_uri

LEAKS = ("Traceback", "OperationalError", "connection", "sqlite", "postgres", "127.0.0.1:9")


@contextmanager
def database_down():
    """New connections fail as when the database server is down: refused on PostgreSQL (a port nobody
    listens on), unopenable on SQLite (a directory that does not exist). Open connections are left alone."""
    conf = connections.settings[DEFAULT_DB_ALIAS]  # shared by the connection of every thread
    key, value = ("PORT", "9") if connection.vendor == "postgresql" else ("NAME", "/nonexistent/vrm.sqlite3")
    kept = conf[key]
    conf[key] = value
    try:
        yield
    finally:
        conf[key] = kept


@contextmanager
def failing_statements(error, matches):
    """This thread's statements that `matches` (a predicate on the SQL) raise `error`, as a broken connection does."""

    def execute(run, sql, params, many, context):
        if matches(sql):
            raise error("server closed the connection unexpectedly")
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


@pytest.fixture
def person():
    return UserFactory()


@pytest.fixture
def browser(person, live_server):
    """A requests session carrying the person's login, as their browser would."""
    django_client = Client()
    django_client.force_login(person)
    with requests.Session() as session:
        session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
        yield session


def assert_unavailable_page(response):
    assert response.status_code == 503, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "5" and "no-store" in response.headers["Cache-Control"]
    assert '<html lang="en">' in response.text and "<h1>Temporarily unavailable</h1>" in response.text
    assert "try again in a few seconds" in response.text
    assert not any(leak in response.text for leak in LEAKS)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_portal_page_is_a_503_page_while_the_database_is_down_and_works_again_after(live_server, browser):
    with database_down():
        during = browser.get(f"{live_server.url}/connections/", timeout=10)
    after = browser.get(f"{live_server.url}/connections/", timeout=10)

    assert_unavailable_page(during)
    assert after.status_code == 200


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_consent_screen_is_a_503_page_and_issues_no_code(live_server, browser):
    oauth_client, _ = make_client()
    _, challenge = pkce_pair()
    params = {
        "response_type": "code", "client_id": oauth_client.client_id, "redirect_uri": REDIRECT_URI,
        "scope": "contact:read", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256",
        "purpose": "delivery", "duration": "P30D",
    }

    with database_down():
        response = browser.get(f"{live_server.url}/o/authorize/", params=params, allow_redirects=False, timeout=10)

    assert_unavailable_page(response)
    assert "Location" not in response.headers
    assert not Grant.objects.exists() and not AuthorizationCode.objects.exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_vendor_api_answers_a_problem_and_records_no_read(live_server, person):
    token = issue_token(make_grant(person=person))

    with database_down():
        response = requests.get(f"{live_server.url}/api/v1/profile", headers={"Authorization": f"Bearer {token}"},
                                timeout=10)

    assert response.status_code == 503 and response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == problem_uri("service-unavailable") and response.headers["Retry-After"] == "5"
    assert not any(leak in response.text for leak in LEAKS)
    assert not AuditEntry.objects.filter(event="read").exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_token_endpoint_answers_oauth_json(live_server):
    oauth_client, secret = make_client()

    with database_down():
        response = requests.post(f"{live_server.url}/o/token/", data={"grant_type": "client_credentials"},
                                 auth=(oauth_client.client_id, secret), timeout=10)

    assert response.status_code == 503 and response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "temporarily_unavailable",
                               "error_description": "The service is unavailable; try again shortly."}
    assert response.headers["Retry-After"] == "5" and "no-store" in response.headers["Cache-Control"]


def inserts_into(table):
    return lambda sql: sql.lstrip().upper().startswith("INSERT") and table in sql


@pytest.mark.django_db
def test_a_change_cut_off_half_way_is_a_503_page_and_keeps_nothing(person):
    grant = make_grant(person=person)
    client = Client()
    client.force_login(person)

    # The grant's UPDATE goes through; the connection breaks at the audit entry that follows it.
    with failing_statements(OperationalError, inserts_into(AuditEntry._meta.db_table)):
        response = client.post(f"/connections/{grant.pk}/pause/", {"pause-reason": "holiday"})

    assert response.status_code == 503 and "try again in a few seconds" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE and grant.changed_by is None
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_session_that_cannot_be_saved_after_the_view_is_a_503_page_not_a_bad_request(person):
    client = Client(raise_request_exception=False)
    client.force_login(person)

    with failing_statements(OperationalError, lambda sql: "django_session" in sql and "UPDATE" in sql.upper()):
        response = client.get("/connections/")

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "<h1>Temporarily unavailable</h1>" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("error", [IntegrityError, ProgrammingError])
def test_other_database_errors_are_not_outages_and_stay_500s(person, error):
    grant = make_grant(person=person)
    client = Client(raise_request_exception=False)
    client.force_login(person)

    with failing_statements(error, inserts_into(AuditEntry._meta.db_table)):
        response = client.post(f"/connections/{grant.pk}/pause/", {"pause-reason": "holiday"})

    assert response.status_code == 500 and "Temporarily unavailable" not in response.content.decode()
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.ACTIVE


def test_an_outage_met_outside_a_view_is_a_503_and_any_other_error_django_s_500(rf):
    request = rf.get("/connections/")

    def answer(error):
        try:
            raise error
        except Exception:
            return server_error(request)

    assert answer(OperationalError("the database system is shutting down")).status_code == 503
    assert answer(IntegrityError("duplicate key")).status_code == 500
    assert answer(KeyError("x")).status_code == 500
