"""Read-only queries about grants."""

from consents.models import Grant


def live_grant(person, client):
    """The person's active or paused grant to this client, or None."""
    return Grant.objects.filter(person=person, client=client, status__in=Grant.LIVE_STATUSES).first()
