"""Read-only queries about grants."""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from audit.log import field_for_log
from audit.models import Receipt
from audit.selectors import access_stats_for_grants, filtered, history_for_person
from consents.models import Grant, GrantReason
from consents.retention import deletion_grace
from vrm.models import AttributeDefinition

DASHBOARD_PAGE_SIZE = 100
# The connections page's filters (status groups) and sort orders, by their query-string names.
CONNECTION_FILTERS = {
    "all": None,
    "active": (Grant.Status.ACTIVE,),
    "paused": (Grant.Status.PAUSED,),
    "ended": (Grant.Status.REVOKED, Grant.Status.EXPIRED),
}
CONNECTION_SORTS = {
    "recent": ("ended", "-created_at", "-id"),
    "name": ("ended", Lower("client__vendor__name"), Lower("client__name"), "-created_at", "-id"),
    "ending": ("ended", "expires_at", "-id"),
}


def live_grant(person, client):
    """The person's active or paused grant to this client, or None."""
    return Grant.objects.filter(person=person, client=client, status__in=Grant.LIVE_STATUSES).first()


def grants_for_person(person, page_number=1, per_page=DASHBOARD_PAGE_SIZE, *, show="all", sort="recent"):
    """One page of the person's grants, live ones first then in `sort` order (CONNECTION_SORTS), only
    those `show` names (CONNECTION_FILTERS; unknown names mean all and recent), each with `access_count`
    and `last_access_at`: three queries (count, page, access stats of that page) whatever the number of
    grants. A page number that is not a number gives the first page, one past the end the last."""
    grants = Grant.objects.filter(person=person)
    statuses = CONNECTION_FILTERS.get(show)
    if statuses:
        grants = grants.filter(status__in=statuses)
    grants = (
        grants.select_related("client__vendor")
        .annotate(ended=Case(When(status__in=Grant.LIVE_STATUSES, then=Value(0)), default=Value(1),
                             output_field=IntegerField()))
        .order_by(*CONNECTION_SORTS.get(sort, CONNECTION_SORTS["recent"]))
    )
    page = Paginator(grants, per_page).get_page(page_number)
    stats = access_stats_for_grants([grant.pk for grant in page.object_list])
    for grant in page.object_list:
        grant.access_count, grant.last_access_at = stats.get(grant.pk, (0, None))
    return page


def grant_of_person(person, grant_id):
    """The person's grant with this id (with its client and vendor), or None."""
    return Grant.objects.select_related("client__vendor").filter(pk=grant_id, person=person).first()


def access_history(grant, limit=500):
    """The latest `limit` audit entries about this grant (vendor reads and writes, and changes), newest
    first, each with `note`: the reason the person typed (kept beside the log, which holds only its
    hash), else the entry's own reason; and `shown_fields`: the fields, with the person's own custom
    attributes named again (the log holds only keyed hashes of their keys)."""
    entries = list(history_for_person(grant.person).filter(grant_id=grant.pk)[:limit])
    typed = dict(GrantReason.objects.filter(grant=grant).values_list("entry_seq", "text"))
    own = {
        field_for_log(f"{category}.{key}"): f"{category}.{key}"
        for category, key in AttributeDefinition.objects.filter(owner=grant.person_id).values_list("category", "key")
    }
    for entry in entries:
        entry.note = typed.get(entry.seq, entry.reason)
        entry.shown_fields = [own.get(field, field) for field in entry.fields]
    return entries


def live_grant_count_with_vendor(person, vendor):
    """How many live grants the person has with this vendor's clients."""
    return Grant.objects.filter(person=person, client__vendor=vendor, status__in=Grant.LIVE_STATUSES).count()


def receipt_of_person(person, receipt_id):
    """The receipt if it belongs to one of this person's grants, else None."""
    receipt = Receipt.objects.filter(pk=receipt_id).first()
    if receipt is None or grant_of_person(person, receipt.grant_id) is None:
        return None
    return receipt


# Filter form field -> ORM lookup for the auditor's grant list; a field left empty does not filter.
GRANT_FILTERS = {
    "vendor": "client__vendor", "status": "status", "purpose": "purpose",
    "since": "created_at__gte", "until": "created_at__lt",
}


def grants_for_audit(filters):
    """Grants matching a GrantFilterForm's cleaned data (created in the time range), newest first."""
    grants = filtered(Grant.objects.select_related("client__vendor"), filters, GRANT_FILTERS)
    return grants.order_by("-created_at", "-id")


def overdue_deletions(now=None):
    """Grants whose retention ended more than the grace period (VRM_DELETION_GRACE_DAYS) ago without the
    vendor confirming deletion, longest overdue first. A vendor is not late the moment it is asked."""
    now = now or timezone.now()
    return (
        Grant.objects.select_related("client__vendor")
        .filter(retention_ends_at__lt=now - deletion_grace(), deletion_confirmed_at__isnull=True)
        .order_by("retention_ends_at")
    )


def grant_of_client(client, grant_id):
    """The grant `grant_id` if `client` holds it, else None (a client never sees another client's grants)."""
    return Grant.objects.filter(pk=grant_id, client=client).first()
