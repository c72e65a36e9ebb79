"""Run as a separate process by the concurrency test: append N reads under one grant, each in its own transaction."""

import sys

import django

if __name__ == "__main__":
    django.setup()
    from django.db import transaction

    from audit.log import record_access
    from consents.models import Grant

    grant = Grant.objects.get(pk=sys.argv[1])
    writer, count = sys.argv[2], int(sys.argv[3])
    for number in range(count):
        with transaction.atomic():
            record_access(grant, action="read", fields=["email"], outcome="ok", request_id=f"{writer}-{number}")
