"""Signed checkpoints: the server's signature over the chain's size and head hash at a time."""

from django.db import transaction
from django.utils import timezone

from audit import signing, standalone_verify
from audit.chain import format_time
from audit.models import AuditEntry, Checkpoint


def checkpoint_record(checkpoint):
    """A checkpoint in the exported form the verifier reads (also the form signed over)."""
    return {
        "size": checkpoint.size,
        "head": checkpoint.head_hash,
        "at": format_time(checkpoint.signed_at),
        "kid": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def sign_checkpoint(now=None):
    """Sign the current head unless the newest checkpoint already covers it; returns the checkpoint or None.

    Idempotent: running it twice without new entries adds nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        head = AuditEntry.objects.chained().order_by("-seq").values_list("seq", "hash").first()
        if head is None:
            return None
        size, head_hash = head
        if Checkpoint.objects.filter(size=size, head_hash=head_hash).exists():
            return None
        kid = signing.key_id()
        message = standalone_verify.checkpoint_message(size=size, head=head_hash, at=format_time(now), kid=kid)
        return Checkpoint.objects.create(
            size=size, head_hash=head_hash, signed_at=now, key_id=kid, signature=signing.sign(message)
        )
