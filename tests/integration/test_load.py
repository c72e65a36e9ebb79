"""Bounded load on 127.0.0.1 with nothing lost: reader threads read the vendor API under several grants
while some grants are revoked and a real audit sequencer process chains the reads' entries as they commit.
Every read that returned data has exactly one audit entry, no read that started after its grant's
revocation returned succeeds, and the whole log is chained and verifies afterwards."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from audit.models import AuditEntry
from audit.verification import verify_chain
from consents.grants import revoke_grant
from tests.factories import UserFactory, issue_token, make_grant
from tests.processes import audit_sequencer, wait_until
from vrm import vault

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

GRANTS, REVOKED, READERS, READS_PER_READER = 6, 3, 4, 30


@pytest.fixture
def grants():
    made = []
    for number in range(GRANTS):
        person = UserFactory()
        vault.update_profile(person, category="contact", values={"email": f"load{number}@example.org"})
        grant = make_grant(person=person)
        made.append((grant, issue_token(grant)))
    return made


def test_concurrent_reads_and_revocations_lose_nothing(live_server, grants, tmp_path):
    assert live_server.url.startswith(("http://localhost:", "http://127.0.0.1:"))
    reads, revoked_at = [], {}
    half_done = threading.Event()
    lock = threading.Lock()

    def reader(number):
        with requests.Session() as session:
            for index in range(READS_PER_READER):
                grant, token = grants[(number + index) % GRANTS]
                request_id = uuid.uuid4().hex
                started = time.monotonic()
                response = session.get(f"{live_server.url}/api/v1/profile", timeout=30,
                                       headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id})
                with lock:
                    reads.append((grant.pk, request_id, started, response.status_code, response.headers.get("Content-Type")))
                    if len(reads) >= READERS * READS_PER_READER // 2:
                        half_done.set()

    def revoker():
        try:
            half_done.wait(timeout=60)
            for grant, _ in grants[:REVOKED]:
                revoke_grant(grant, actor=grant.person)
                revoked_at[grant.pk] = time.monotonic()
        finally:
            connection.close()

    with audit_sequencer(tmp_path / "sequencer.log") as sequencer, ThreadPoolExecutor(READERS + 1) as pool:
        futures = [pool.submit(reader, number) for number in range(READERS)] + [pool.submit(revoker)]
        for future in futures:
            future.result()
        wait_until(lambda: not AuditEntry.objects.pending().exists(), timeout=30, message="the sequencer to chain all")
    assert sequencer.returncode == 0, (tmp_path / "sequencer.log").read_text()

    ok = [read for read in reads if read[3] == 200]
    audited = dict(AuditEntry.objects.filter(event="read", outcome="ok").values_list("request_id", "grant_id"))
    per_request = {}
    for request_id in AuditEntry.objects.filter(event="read", outcome="ok").values_list("request_id", flat=True):
        per_request[request_id] = per_request.get(request_id, 0) + 1
    run = verify_chain()

    assert len(reads) == READERS * READS_PER_READER and len(revoked_at) == REVOKED
    assert ok and any(read[3] == 401 for read in reads)
    assert {status for *_, status, _ in reads} <= {200, 401}, sorted({(s, c) for *_, s, c in reads})
    assert all(per_request.get(request_id) == 1 for _, request_id, _, _, _ in ok)  # one entry per read served
    assert set(audited) == {request_id for _, request_id, _, _, _ in ok}  # and none for a read not served
    assert all(audited[request_id] == grant_id for grant_id, request_id, _, _, _ in ok)
    late = [read for read in ok if read[0] in revoked_at and read[2] > revoked_at[read[0]]]
    assert late == []
    assert run.ok and run.verified_size == AuditEntry.objects.count()
