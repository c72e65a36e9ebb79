"""Records: small JSON objects a vendor writes to a person's vault under a grant, sealed, kept until retain_until."""

import json
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from vrm import catalogue
from vrm.models import VaultRecord
from vrm.vault.errors import InvalidRecord
from vrm.vault.vaults import open_vault

MAX_RECORD_BYTES = 16 * 1024
MAX_RECORD_KEYS = 50
PURGE_BATCH_SIZE = 500


def record_context(record):
    return f"record:{record.pk}:{record.category}"


def record_dict(record, key):
    return {
        "id": str(record.id),
        "created_at": record.created_at.isoformat(),
        "retain_until": record.retain_until.isoformat(),
        "written_by_grant": str(record.written_by_grant_id) if record.written_by_grant_id else None,
        "data": json.loads(key.open(record.sealed_data, record_context(record))),
    }


def add_record(person, *, category, data: dict, written_by_grant, retain_until, now=None) -> VaultRecord:
    """Store a vendor-written record (a small JSON object) sealed in the person's vault until retain_until.

    Raises InvalidRecord on bad data and VaultErased if the person erased their account.
    """
    now = now or timezone.now()
    if category not in catalogue.RECORD_CATEGORIES:
        raise InvalidRecord(f"records cannot be written to category {category!r}")
    if not isinstance(data, dict) or not data:
        raise InvalidRecord("a record must be a non-empty JSON object")
    if len(data) > MAX_RECORD_KEYS:
        raise InvalidRecord(f"a record may have at most {MAX_RECORD_KEYS} fields")
    if not all(isinstance(name, str) and 0 < len(name) <= 64 for name in data):
        raise InvalidRecord("record field names must be strings of 1 to 64 characters")
    try:
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError):
        raise InvalidRecord("a record must contain only JSON values") from None
    if len(encoded) > MAX_RECORD_BYTES:
        raise InvalidRecord(f"a record may be at most {MAX_RECORD_BYTES} bytes of JSON")
    if not isinstance(retain_until, datetime) or retain_until <= now:
        raise InvalidRecord("retain_until must be a time in the future")
    with transaction.atomic():
        vault, data_key = open_vault(person)
        record = VaultRecord(
            id=uuid.uuid4(),
            vault=vault,
            category=category,
            written_by_grant=written_by_grant,
            retain_until=retain_until,
            created_at=now,
        )
        record.sealed_data = data_key.seal(encoded, record_context(record))
        record.save(force_insert=True)
    return record


def purge_expired_records(now=None, batch_size=PURGE_BATCH_SIZE) -> int:
    """Delete vendor-written records whose retain_until has passed, batch by batch; returns how many."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(VaultRecord.objects.filter(retain_until__lte=now).values_list("id", flat=True)[:batch_size])
            if not ids:
                return total
            deleted, _ = VaultRecord.objects.filter(id__in=ids).delete()
        total += deleted
