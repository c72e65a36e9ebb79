"""Faults, against the live server: with the Celery broker unreachable or hung the web side keeps serving and
enforcing, a person's action and a sweep are not held by publish retries, and erasure still succeeds; a
database error inside a request's transaction is a clean problem response and leaves no half-written record,
grant or audit entry."""

import logging
import re
import time

import pytest
import requests
from django.db import OperationalError

from audit import log as audit_log
from audit.models import AuditEntry
from consents.expiry import expire_due_grants
from consents.grants import revoke_grant
from consents.models import Grant
from tests.factories import (
    PASSWORD,
    REDIRECT_URI,
    PersonFactory,
    issue_token,
    make_client,
    make_grant,
    pkce_pair,
)
from tests.integration.own_broker import hung_broker
from tests.integration.test_oauth_flow import ConsentForm, browser_of
from tests.integration.test_sweeps import many_due_grants
from vendors.models import AuthorizationCode, WebhookDelivery, WebhookEndpoint
from vrm import celery as vrm_celery
from vrm.celery import app as celery_app
from vrm.models import Vault, VaultRecord
from vrm.problems import problem_uri

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


@pytest.fixture
def broker_down(monkeypatch):
    """Point the (web side's) Celery app at a broker that refuses connections, with a fresh producer pool."""
    # The setting before the env var, which Celery reads first: monkeypatch puts back what it reads now.
    monkeypatch.setattr(celery_app.conf, "broker_url", UNREACHABLE_BROKER)
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    vrm_celery._paused_until.clear()
    assert celery_app.connection_for_write().as_uri().endswith("@127.0.0.1:9/0")
    yield
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


def read_profile(live_server, token):
    return requests.get(f"{live_server.url}/api/v1/profile", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_with_the_broker_down_reads_are_served_and_audited_and_revocation_is_immediate(live_server, person, broker_down):
    grant = make_grant(person=person)
    token = issue_token(grant)
    before = read_profile(live_server, token)

    revoke_grant(grant, actor=person)
    after = read_profile(live_server, token)

    assert before.status_code == 200 and before.json()["profile"] == {"contact": {"email": "ada@example.org"}}
    assert AuditEntry.objects.filter(grant_id=grant.pk, event="read").count() == 1
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.REVOKED
    assert after.status_code == 401 and after.headers["Content-Type"] == "application/problem+json"


def test_with_the_broker_down_revoking_a_grant_whose_vendor_has_a_webhook_still_returns(live_server, person, broker_down):
    grant = make_grant(person=person)
    WebhookEndpoint.objects.create(client=grant.client, url="https://shop.example/hooks")
    token = issue_token(grant)

    revoke_grant(grant, actor=person)
    after = read_profile(live_server, token)

    assert after.status_code == 401
    assert grant.client.webhook_deliveries.filter(event="grant.revoked").count() == 1  # kept for when it returns


def test_with_the_broker_down_erasing_an_account_succeeds(client, broker_down):
    person = PersonFactory()
    client.force_login(person)

    response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert Vault.objects.get(person=person).key_ref is None  # erased; the purge follows with the beat sweep


PUBLISH_FAILED = re.compile(r"broker unavailable \(\w+ after ([\d.]+) s")


def test_with_the_broker_hung_revokes_and_an_expiry_run_are_not_held_by_publish_retries(monkeypatch, caplog):
    """The broker accepts connections and never answers. Each publish is one bounded attempt (one connection,
    no retries), after which the process pauses sending; every webhook waits in the outbox."""
    caplog.set_level(logging.WARNING, logger="vrm.celery")
    revoked = [make_grant() for _ in range(5)]
    for grant in revoked:
        WebhookEndpoint.objects.create(client=grant.client, url="https://shop.example/hooks")
    many_due_grants(100)
    due_client = Grant.objects.filter(status=Grant.Status.ACTIVE).exclude(pk__in=[g.pk for g in revoked]).first().client
    WebhookEndpoint.objects.create(client=due_client, url="https://shop.example/hooks")

    with hung_broker(monkeypatch) as broker:
        timings = []
        for grant in revoked:
            started = time.monotonic()
            revoke_grant(grant, actor=grant.person)
            timings.append(time.monotonic() - started)
        started = time.monotonic()
        expired = expire_due_grants(batch_size=25)
        print(f"revoke with the broker hung: {[round(t, 3) for t in timings]} s; expiry of 100: "
              f"{time.monotonic() - started:.2f} s; connections to the broker: {len(broker.connections)}")
        connections = len(broker.connections)

    attempts = [float(m.group(1)) for m in map(PUBLISH_FAILED.search, caplog.messages) if m]
    assert expired == 100 and WebhookDelivery.objects.filter(status="pending").count() == 105
    assert 1 <= len(attempts) == connections  # one connection per attempt: no publish retries
    assert all(seconds <= vrm_celery.PUBLISH_TIMEOUT_SECONDS + 1 for seconds in attempts)


@pytest.fixture
def failing_audit_write(monkeypatch):
    """The audit append fails like a lost database connection, after the request's other writes."""

    def fail(*args, **kwargs):
        raise OperationalError("connection to the database was lost")

    monkeypatch.setattr(audit_log, "record_access", fail)
    monkeypatch.setattr(audit_log, "record_grant_event", fail)


def test_a_database_error_mid_write_is_a_clean_problem_and_keeps_nothing(live_server, person, failing_audit_write):
    token = issue_token(make_grant(person=person, scopes=("purchases:write",)))

    response = requests.post(
        f"{live_server.url}/api/v1/records", headers={"Authorization": f"Bearer {token}"},
        json={"data": {"item": "Rain jacket"}, "retention": "P1D"}, timeout=10,
    )

    assert response.status_code == 503 and response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == problem_uri("service-unavailable") and response.headers["Retry-After"]
    assert "Rain jacket" not in response.text and "Traceback" not in response.text
    assert not VaultRecord.objects.exists() and not AuditEntry.objects.filter(event="write").exists()


def test_a_database_error_while_consenting_leaves_no_grant_and_issues_no_code(live_server, person, failing_audit_write):
    oauth_client, _ = make_client()
    _, challenge = pkce_pair()
    url = f"{live_server.url}/o/authorize/?" + requests.compat.urlencode({
        "response_type": "code", "client_id": oauth_client.client_id, "redirect_uri": REDIRECT_URI,
        "scope": "contact:read", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256",
        "purpose": "delivery", "duration": "P30D",
    })
    browser = browser_of(person, live_server)
    form = ConsentForm()
    form.feed(browser.get(url).text)

    response = browser.post(url.split("?")[0], data=[*form.fields, ("allow", "on")], headers={"Referer": url},
                            allow_redirects=False)

    assert response.status_code == 503 and "Traceback" not in response.text and "code=" not in response.headers.get("Location", "")
    assert not Grant.objects.exists() and not AuthorizationCode.objects.exists() and not AuditEntry.objects.exists()
