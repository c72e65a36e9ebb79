from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit import signing, standalone_verify
from audit.checkpoints import checkpoint_record, sign_checkpoint
from audit.log import record_access
from audit.models import AuditEntry, Checkpoint
from audit.tasks import sign_checkpoint as sign_checkpoint_task
from tests.factories import GrantFactory, chain_audit_log
from tests.processes import wait_until


def append_reads(count, *, chain=True):
    grant = GrantFactory()
    with transaction.atomic():
        for _ in range(count):
            record_access(grant, action="read", fields=["email"], outcome="ok")
    if chain:
        chain_audit_log()


@pytest.mark.django_db
def test_it_signs_the_size_and_head_hash_with_the_servers_key():
    append_reads(3)
    moment = timezone.now() - timedelta(minutes=1)

    checkpoint = sign_checkpoint(now=moment)

    record = checkpoint_record(checkpoint)
    assert (checkpoint.size, checkpoint.head_hash) == (3, AuditEntry.objects.get(seq=3).hash)
    assert checkpoint.signed_at == moment and checkpoint.key_id == signing.key_id()
    message = standalone_verify.checkpoint_message(size=3, head=record["head"], at=record["at"], kid=record["kid"])
    assert standalone_verify.signature_is_valid(signing.public_keys(), record["kid"], record["signature"], message)


@pytest.mark.django_db
def test_it_signs_nothing_twice_and_nothing_for_an_empty_log():
    assert sign_checkpoint() is None
    append_reads(2)
    sign_checkpoint()

    again = sign_checkpoint()

    assert again is None and Checkpoint.objects.count() == 1


@pytest.mark.integration
def test_the_beat_task_signs_a_checkpoint_in_a_worker(worker):
    append_reads(2, chain=False)  # the task chains the pending reads before it signs

    sign_checkpoint_task.delay()

    checkpoint = wait_until(lambda: Checkpoint.objects.first(), message="a checkpoint signed by the worker")
    assert checkpoint.size == 2
