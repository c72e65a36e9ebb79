"""On the API only an outage is a 503: integrity and programming errors are bugs, answered as 500 problems."""

import pytest
from django.db import IntegrityError, OperationalError, ProgrammingError
from django.test import Client

from audit.models import AuditEntry
from tests.factories import issue_token, make_grant
from tests.vrm.test_unavailable import failing_statements, inserts_into
from vrm.models import VaultRecord
from vrm.problems import problem_uri

pytestmark = pytest.mark.django_db
RECORD = {"data": {"item": "Rain jacket"}, "retention": "P1D"}


@pytest.mark.parametrize("error, status, slug", [
    (OperationalError, 503, "service-unavailable"),
    (IntegrityError, 500, "server-error"),
    (ProgrammingError, 500, "server-error"),
])
def test_a_database_error_while_writing_a_record(person, error, status, slug):
    token = issue_token(make_grant(person=person, scopes=("purchases:write",)))
    client = Client(raise_request_exception=False)

    with failing_statements(error, inserts_into(AuditEntry._meta.db_table)):
        response = client.post("/api/v1/records", RECORD, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == status and response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == problem_uri(slug) and "Rain jacket" not in response.content.decode()
    assert ("Retry-After" in response) == (status == 503)
    assert not VaultRecord.objects.exists()
