import os
import subprocess
import sys

import pytest

from audit.models import AuditEntry
from audit.verification import verify_chain
from tests.factories import GrantFactory, chain_audit_log
from tests.processes import child_database_env
from vrm.settings import BASE_DIR

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WRITERS, APPENDS = 8, 30


def test_many_writer_processes_never_fork_the_chain():
    grant = GrantFactory()
    env = dict(os.environ, **child_database_env(), DJANGO_SETTINGS_MODULE="vrm.settings")

    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.audit.append_writer", str(grant.pk), f"w{n}", str(APPENDS)],
            cwd=BASE_DIR, env=env, stderr=subprocess.PIPE,
        )
        for n in range(WRITERS)
    ]
    outputs = [(w.communicate(timeout=240)[1], w.returncode) for w in writers]
    failures = [err.decode() for err, code in outputs if code != 0]

    assert failures == []
    chain_audit_log()  # the reads recorded after the last grant event
    assert AuditEntry.objects.count() == WRITERS * APPENDS
    assert set(AuditEntry.objects.values_list("seq", flat=True)) == set(range(1, WRITERS * APPENDS + 1))
    result = verify_chain()
    assert result.ok and result.verified_size == WRITERS * APPENDS
