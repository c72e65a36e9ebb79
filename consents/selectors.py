"""Read-only queries about grants."""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from audit.models import Receipt
from audit.selectors import access_stats_for_grants, filtered, history_for_person
from consents.models import Grant

DASHBOARD_PAGE_SIZE = 100


def live_grant(person, client):
    """The person's active or paused grant to this client, or None."""
    return Grant.objects.filter(person=person, client=client, status__in=Grant.LIVE_STATUSES).first()


def grants_for_person(person, page_number=1, per_page=DASHBOARD_PAGE_SIZE):
    """One page of the person's grants, live ones first then newest, each with `access_count` and
    `last_access_at`: three queries (count, page, access stats of that page) whatever the number of
    grants. A page number that is not a number gives the first page, one past the end the last."""
    grants = (
        Grant.objects.filter(person=person)
        .select_related("client__vendor")
        .annotate(ended=Case(When(status__in=Grant.LIVE_STATUSES, then=Value(0)), default=Value(1),
                             output_field=IntegerField()))
        .order_by("ended", "-created_at", "-id")
    )
    page = Paginator(grants, per_page).get_page(page_number)
    stats = access_stats_for_grants([grant.pk for grant in page.object_list])
    for grant in page.object_list:
        grant.access_count, grant.last_access_at = stats.get(grant.pk, (0, None))
    return page


def grant_of_person(person, grant_id):
    """The person's grant with this id (with its client and vendor), or None."""
    return Grant.objects.select_related("client__vendor").filter(pk=grant_id, person=person).first()


def access_history(grant):
    """Every audit entry about this grant (vendor reads and writes, and changes), newest first."""
    return history_for_person(grant.person).filter(grant_id=grant.pk)


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
    """Grants whose retention ended without the vendor confirming deletion, longest overdue first."""
    now = now or timezone.now()
    return (
        Grant.objects.select_related("client__vendor")
        .filter(retention_ends_at__lt=now, deletion_confirmed_at__isnull=True)
        .order_by("retention_ends_at")
    )
