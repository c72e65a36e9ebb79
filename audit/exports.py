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


# OWASP "CSV Injection": a spreadsheet reads a cell starting with one of these as a formula (or its start).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell that a spreadsheet shows as text, never runs.

    Text starting with a formula trigger gets a leading single quote, as OWASP
    recommends (the csv module quotes the cell where its content needs it).
    Lists are joined with spaces first; numbers stay numbers. JSON-lines
    exports keep the exact values and do not pass through here.
    """
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_lines(columns, records):
    """CSV text in chunks (a header, then one line per record), every cell through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(column) for column in columns])
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(record.get(column)) for column in columns])
        yield buffer.getvalue()
