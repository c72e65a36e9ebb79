"""Run as a separate process by the concurrency test: N entries under one grant, each in its own transaction.

Alternately a vendor read (recorded pending) and a grant event (chained at once, after chaining whatever
is pending), so that writers contend for the chain lock and chain each other's reads."""

import sys

import django

if __name__ == "__main__":
    django.setup()
    from django.db import transaction

    from audit.log import record_access, record_grant_event
    from consents.models import Grant

    grant = Grant.objects.get(pk=sys.argv[1])
    writer, count = sys.argv[2], int(sys.argv[3])
    for number in range(count):
        with transaction.atomic():
            if number % 2:
                record_grant_event(grant, "deletion_confirmed", detail={"writer": writer, "number": number})
            else:
                record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"{writer}-{number}")
