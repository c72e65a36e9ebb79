import pytest
from authlib.integrations.requests_client import OAuth2Session
from django.db import transaction

from audit.auditors import create_auditor
from audit.log import record_access
from tests.factories import GrantFactory, chain_audit_log

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_auditor_client_gets_a_token_with_authlib_and_reads_the_log(live_server):
    grant = GrantFactory()
    with transaction.atomic():
        record_access(grant, action="read", fields=["contact.email"], outcome="ok", request_id="seen-by-auditor")
    chain_audit_log()
    auditor = create_auditor("remote-auditor", with_client=True)
    session = OAuth2Session(auditor.client.client_id, auditor.client_secret, scope="audit:read")

    token = session.fetch_token(f"{live_server.url}/o/token/", grant_type="client_credentials")
    response = session.get(f"{live_server.url}/api/v1/audit/entries")

    assert token["scope"] == "audit:read"
    assert response.status_code == 200
    assert [e["request_id"] for e in response.json()["results"]] == ["seen-by-auditor"]
