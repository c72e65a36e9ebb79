"""Exports: the whole log for offline verification, and an auditor's selection as CSV or JSON lines."""

import csv
import io
import json

from django.utils import timezone

from audit import signing
from audit.chain import ROW_COLUMNS, entry_body_from_row, format_time
from audit.checkpoints import checkpoint_record
from audit.models import AuditEntry, Checkpoint
from audit.standalone_verify import FORMAT_VERSION, LOG_NAME

CHUNK = 5000


def _line(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def log_export_lines(now=None):
    """The full log as JSON lines: a header, every checkpoint, then every entry up to the head at the start.

    This is what ``audit/standalone_verify.py log`` reads.
    """
    head = AuditEntry.objects.chained().order_by("-seq").values_list("seq", flat=True).first() or 0
    checkpoints = [checkpoint_record(c) for c in Checkpoint.objects.filter(size__lte=head).order_by("size")]
    yield _line({
        "type": "header", "format": LOG_NAME, "version": FORMAT_VERSION, "exported_at": format_time(now or timezone.now()),
        "size": head, "signing_keys": [signing.public_jwk()],
    })
    for checkpoint in checkpoints:
        yield _line({"type": "checkpoint", **checkpoint})
    rows = AuditEntry.objects.filter(seq__lte=head).order_by("seq").values_list(*ROW_COLUMNS).iterator(chunk_size=CHUNK)
    for row in rows:
        seq, stored_hash, body = entry_body_from_row(row)
        yield _line({"type": "entry", "seq": seq, "hash": stored_hash, "entry": body})


def jsonl_lines(records):
    for record in records:
        yield _line(record)


def csv_lines(columns, records):
    """CSV text in chunks (a header, then one line per record); lists are joined with spaces."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([" ".join(v) if isinstance(v, list) else ("" if v is None else v) for v in
                         (record.get(c) for c in columns)])
        yield buffer.getvalue()
