"""Beat's notification sweeps: notices for grants ending soon and overdue deletions, and the e-mail digest.

Each is idempotent: a notice is keyed by the fact it reports (unique per person), and a digest moves the
person's `last_sent_at` in the same transaction that sends it, so a second run finds nothing due.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from consents.models import Grant
from consents.selectors import overdue_deletions
from notifications.models import DigestSubscription, Notice
from vendors.models import OAuthClient
from vrm.catalogue import CATALOGUE
from vrm.pseudonyms import pseudonym_for

ENDING_WITHIN = timedelta(days=7)
UNSUBSCRIBE_SALT = "notifications.digest-off"
FIELD_LABELS = {f"{category}.{key}": label for category, key, label, *_ in CATALOGUE}


def field_label(field):
    """A field key from the audit log in words ("contact.email" -> "E-mail address")."""
    return FIELD_LABELS.get(field, field.rpartition(".")[2].replace("_", " ").capitalize())


def _add_missing(notices):
    """Create the notices whose (person, key) is not there yet; returns how many were new."""
    if not notices:
        return 0
    existing = set(
        Notice.objects.filter(person_id__in={n.person_id for n in notices}, key__in=[n.key for n in notices])
        .values_list("person_id", "key")
    )
    new = [n for n in notices if (n.person_id, n.key) not in existing]
    # A concurrent sweep may have added some since: the unique constraint keeps one, silently.
    Notice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def notice_grants_ending(now=None, within=ENDING_WITHIN):
    """A notice for every live grant that ends within `within`, once per end date (a grant given new
    terms and a new end is noticed again when that end nears). Returns how many notices were new."""
    now = now or timezone.now()
    grants = Grant.objects.filter(status__in=Grant.LIVE_STATUSES, expires_at__gt=now, expires_at__lte=now + within)
    return _add_missing([
        Notice(person_id=g.person_id, grant_id=g.pk, kind=Notice.Kind.GRANT_ENDING, created_at=now,
               key=f"grant_ending:{g.pk}:{g.expires_at:%Y%m%dT%H%M%S}")
        for g in grants.only("pk", "person_id", "expires_at").iterator()
    ])


def notice_overdue_deletions(now=None):
    """A notice, once per grant, when its vendor is overdue on confirming deletion. Returns how many were new."""
    now = now or timezone.now()
    return _add_missing([
        Notice(person_id=g.person_id, grant_id=g.pk, kind=Notice.Kind.DELETION_OVERDUE, created_at=now,
               key=f"deletion_overdue:{g.pk}")
        for g in overdue_deletions(now).select_related(None).only("pk", "person_id").iterator()
    ])


def reads_since(person, since, until):
    """What each vendor read about `person` in [since, until): [{"vendor", "fields", "count"}], by vendor name.
    Field keys only (the audit log holds no values)."""
    entries = AuditEntry.objects.filter(
        person=pseudonym_for(person.pk), kind=AuditEntry.Kind.ACCESS, event="read", outcome="ok",
        at__gte=since, at__lt=until,
    ).values_list("client_pk", "fields")
    by_client = defaultdict(lambda: {"fields": set(), "count": 0})
    for client_pk, fields in entries.iterator():
        by_client[client_pk]["fields"].update(fields)
        by_client[client_pk]["count"] += 1
    names = dict(OAuthClient.objects.filter(pk__in=by_client).values_list("pk", "vendor__name"))
    reads = [
        {"vendor": names.get(pk) or "A deleted vendor", "fields": sorted(v["fields"]), "count": v["count"]}
        for pk, v in by_client.items()
    ]
    return sorted(reads, key=lambda read: read["vendor"])


def unsubscribe_token(person):
    return signing.dumps(person.pk, salt=UNSUBSCRIBE_SALT)


def person_for_unsubscribe_token(token):
    """The person a digest's "turn off" link was made for; raises signing.BadSignature."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def digest_interval():
    return timedelta(days=settings.VRM_DIGEST_INTERVAL_DAYS)


def send_due_digests(now=None):
    """For every person with a grant whose last digest is an interval old (or who never had one): an in-portal
    notice of what vendors read since, and, unless they turned it off, an e-mail with that, the grants ending
    soon and the vendors overdue on a deletion. Returns how many e-mails were sent."""
    now = now or timezone.now()
    due_before = now - digest_interval()
    person_ids = (
        Grant.objects.exclude(person__digest__last_sent_at__gt=due_before)
        .values_list("person_id", flat=True).distinct().order_by("person_id")
    )
    return sum(send_digest(person_id, now=now) for person_id in list(person_ids))


def send_digest(person_id, *, now=None):
    """One person's digest, if due: returns 1 when an e-mail went out, else 0. Safe to run twice."""
    now = now or timezone.now()
    DigestSubscription.objects.get_or_create(person_id=person_id)
    with transaction.atomic():
        subscription = DigestSubscription.objects.select_for_update().select_related("person").get(person_id=person_id)
        if subscription.last_sent_at and subscription.last_sent_at > now - digest_interval():
            return 0
        person = subscription.person
        since = subscription.last_sent_at or now - digest_interval()
        reads = reads_since(person, since, now)
        if reads:
            _add_missing([Notice(person=person, kind=Notice.Kind.READS, created_at=now, detail={"reads": reads},
                                 key=f"reads:{now:%Y%m%dT%H%M%S}")])
        subscription.last_sent_at = now
        subscription.save(update_fields=["last_sent_at"])
        open_notices = list(
            Notice.objects.filter(person=person, dismissed_at__isnull=True, kind__in=[
                Notice.Kind.GRANT_ENDING, Notice.Kind.DELETION_OVERDUE,
            ]).select_related("grant__client__vendor").order_by("created_at")
        )
        if not subscription.email_enabled or not person.email or not (reads or open_notices):
            return 0
        _mail_digest(person, since, now, reads, open_notices)
        return 1


def _mail_digest(person, since, now, reads, notices):
    off_url = settings.SITE_URL + reverse("notifications:digest-off", args=[unsubscribe_token(person)])
    context = {
        "person": person, "since": since, "until": now, "notices": notices, "off_url": off_url,
        "reads": [{**read, "labels": [field_label(f) for f in read["fields"]]} for read in reads],
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("notifications/digest_subject.txt", context).strip(),
        body=render_to_string("notifications/digest_email.txt", context),
        to=[person.email],
        # RFC 8058 one-click unsubscribe: the mail client POSTs to the signed link.
        headers={"List-Unsubscribe": f"<{off_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.send()


def run_notification_sweeps(now=None):
    """Every sweep once, in order (the digest lists the notices the first two made)."""
    now = now or timezone.now()
    return {
        "grants_ending": notice_grants_ending(now),
        "deletions_overdue": notice_overdue_deletions(now),
        "digests_sent": send_due_digests(now),
    }
