"""Verifying the stored chain and its checkpoints, with the same code an offline auditor runs."""

import time
from datetime import timedelta

from django.utils import timezone

from audit import signing
from audit.chain import ROW_COLUMNS, entry_body_from_row
from audit.checkpoints import checkpoint_record
from audit.models import AuditEntry, Checkpoint, VerificationRun
from audit.standalone_verify import ChainVerifier

CHUNK = 5000


def verify_chain(now=None):
    """Check every entry (streamed in seq order) and every checkpoint signature; store and return the run.

    The run names the first entry found changed, removed or reordered, and how
    far the chain is intact ("verified up to entry N").
    """
    started = now or timezone.now()
    clock = time.monotonic()
    verifier = ChainVerifier(signing.public_keys(), [checkpoint_record(c) for c in Checkpoint.objects.order_by("size")])
    rows = AuditEntry.objects.chained().order_by("seq").values_list(*ROW_COLUMNS).iterator(chunk_size=CHUNK)
    for row in rows:
        if not verifier.add(*entry_body_from_row(row)):
            break
    result = verifier.finish()
    verified_at = (
        AuditEntry.objects.filter(seq=result.verified_size).values_list("at", flat=True).first()
        if result.verified_size
        else None
    )
    elapsed = time.monotonic() - clock
    run = VerificationRun.objects.create(
        started_at=started,
        finished_at=started + timedelta(seconds=elapsed),
        ok=result.ok,
        size=result.size,
        verified_size=result.verified_size,
        verified_head_at=verified_at,
        checkpoints_checked=result.checkpoints_checked,
        problem_seq=result.problem.seq if result.problem else None,
        problem_kind=result.problem.kind if result.problem else "",
        problem=result.problem.message if result.problem else "",
    )
    run.result = result
    run.seconds = elapsed
    return run
