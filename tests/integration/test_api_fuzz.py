"""Schemathesis against the OpenAPI schema the live server serves, with a vendor token under a grant of
every scope, with an auditor's token (over a log with entries, so the audit lists have pages to check) and
with no token: no 5xx, every error a problem details body, every response as the
schema describes it. Bounded: at most 15 valid and 10 invalid requests per operation."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from audit.auditors import create_auditor
from audit.log import record_access, record_grant_event
from tests.factories import UserFactory, issue_token, make_grant
from vendors.oauth import person_scopes
from vrm import vault

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}


def content_type(response):
    """The media type of a schemathesis response (its headers have lower-case names and list values)."""
    return response.headers.get("content-type", [""])[0].split(";")[0]


def is_problem(response):
    """RFC 7807: an error answers with application/problem+json carrying type, title and status."""
    if response.status_code < 400:
        return True
    if content_type(response) != "application/problem+json":
        return False
    body = response.json()
    return {"type", "title", "status"} <= set(body) and body["status"] == response.status_code


@pytest.fixture
def vendor_token():
    person = UserFactory()
    vault.update_profile(person, category="contact", values={"email": "fuzz@example.org"})
    return issue_token(make_grant(person=person, scopes=tuple(person_scopes()), max_reads_per_day=None))


@pytest.fixture
def auditor_token(live_server, vendor_token):
    """A client-credentials token of an auditor's client, obtained from the live server's token endpoint."""
    from consents.models import Grant

    grant = Grant.objects.get()
    record_grant_event(grant, "paused", reason="fuzzing the auditor's lists")
    for number in range(3):
        record_access(grant, action="read", fields=["contact.email"], outcome="ok", request_id=f"fuzz-{number}")
    auditor = create_auditor("fuzz-auditor", with_client=True)
    response = requests.post(
        f"{live_server.url}/o/token/", data={"grant_type": "client_credentials"},
        auth=(auditor.client.client_id, auditor.client_secret), timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def fuzz(live_server, headers):
    """Every operation, both generation modes; returns what failed, one line per operation, status and reason."""
    document = requests.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    failures = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(base_url=live_server.url, headers=headers, timeout=10)
                where = f"{operation.label} [{mode.value}] {response.status_code}"
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collected, reported below
                    failures.add(f"{where}: " + " | ".join(line for line in str(failure).splitlines()[:8] if line.strip()))
                if not is_problem(response):
                    failures.add(f"{where}: not problem details: {content_type(response)} {response.text[:200]}")

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # an operation with no inputs has no invalid request
    return failures


def test_the_api_keeps_its_schema_and_answers_problems_with_a_vendor_token(live_server, vendor_token):
    failures = fuzz(live_server, {"Authorization": f"Bearer {vendor_token}"})

    assert not failures, "\n".join(sorted(failures))


def test_the_api_keeps_its_schema_and_answers_problems_with_an_auditor_token(live_server, auditor_token):
    failures = fuzz(live_server, {"Authorization": f"Bearer {auditor_token}"})

    assert not failures, "\n".join(sorted(failures))


def test_the_api_keeps_its_schema_and_answers_problems_without_a_token(live_server):
    failures = fuzz(live_server, {})

    assert not failures, "\n".join(sorted(failures))
