"""Rights requests for tests: a person's grant to a registered client, and a request filed at a given time."""

from datetime import datetime, timezone

from rights import services
from tests.factories import make_grant

# A Monday: deadlines from here land on weekdays under every clock used in the tests.
FILED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def file(person, grant=None, *, kind="access", jurisdiction="EU", now=FILED_AT, details="Everything, please."):
    grant = grant or make_grant(person=person)
    return services.file_request(person, grant, kind=kind, jurisdiction=jurisdiction, details=details, now=now)
