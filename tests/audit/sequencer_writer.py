"""Run as a separate process by the sequencer test: record N reads under one grant, as the vendor API does.

Each read is recorded pending in autocommit (its INSERT is its own transaction, no surrounding atomic block),
while `manage.py run_audit_sequencer` processes chain them.
"""

import sys

import django

if __name__ == "__main__":
    django.setup()
    from audit.log import record_access
    from consents.models import Grant

    grant = Grant.objects.get(pk=sys.argv[1])
    writer, count = sys.argv[2], int(sys.argv[3])
    for number in range(count):
        entry = record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"{writer}-{number}")
        if entry.seq is not None:
            sys.exit(f"{writer}-{number} was chained synchronously (seq {entry.seq}), not recorded pending")
