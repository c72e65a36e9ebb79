"""Read-only queries about grants."""

from audit.selectors import access_stats_for_grants, history_for_person
from consents.models import Grant


def live_grant(person, client):
    """The person's active or paused grant to this client, or None."""
    return Grant.objects.filter(person=person, client=client, status__in=Grant.LIVE_STATUSES).first()


def grants_for_person(person):
    """The person's grants, live ones first then newest, each with `access_count` and `last_access_at`
    (two queries whatever the number of grants)."""
    grants = list(Grant.objects.filter(person=person).select_related("client__vendor").order_by("-created_at"))
    stats = access_stats_for_grants([grant.pk for grant in grants])
    for grant in grants:
        grant.access_count, grant.last_access_at = stats.get(grant.pk, (0, None))
    grants.sort(key=lambda grant: grant.status not in Grant.LIVE_STATUSES)
    return grants


def grant_of_person(person, grant_id):
    """The person's grant with this id (with its client and vendor), or None."""
    return Grant.objects.select_related("client__vendor").filter(pk=grant_id, person=person).first()


def access_history(grant):
    """Every audit entry about this grant (vendor reads and writes, and changes), newest first."""
    return history_for_person(grant.person).filter(grant_id=grant.pk)
