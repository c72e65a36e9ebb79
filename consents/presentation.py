"""What the person's connection pages say about a grant, in words: the reads chart, the access timeline
and the consequences of revoking or leaving. Plain functions over data the selectors fetched; no queries
except the attribute labels of the fields a timeline mentions."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from consents.models import Grant
from consents.retention import deletion_grace
from consents.terms import describe_duration
from vrm import vault
from vrm.catalogue import CATEGORIES

CHART_DAYS = 30
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 300, 48, 2

# Grant events as a person reads them; {vendor} is the vendor's name.
EVENT_WORDS = {
    "created": "You allowed {vendor} access",
    "changed": "You agreed to new terms for {vendor}",
    "narrowed": "You narrowed what {vendor} may read",
    "paused": "You paused access",
    "resumed": "Access resumed",
    "revoked": "Access revoked",
    "expired": "The grant reached its end date",
    "retention_ended": "{vendor} had to delete what it read",
    "deletion_requested": "{vendor} was asked to erase your data",
    "deletion_confirmed": "{vendor} confirmed it erased your data",
    "deletion_overdue": "{vendor} did not confirm the erasure in time",
    "purged": "The grant's record was removed",
}
ENDING_EVENTS = {"revoked", "expired", "deletion_overdue"}


def vendor_name(grant):
    return grant.client.vendor.name if grant.client.vendor else grant.client.name


@dataclass
class Chart:
    """Bars of daily reads for the last CHART_DAYS days (oldest first), ready for the SVG include."""

    bars: list = field(default_factory=list)
    total: int = 0
    peak: int = 0
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def reads_chart(daily_counts, today, days=CHART_DAYS):
    """A Chart from {date: number of reads}; `today` is the last day shown (in the person's zone)."""
    counts = [(today - timedelta(days=days - 1 - index), 0) for index in range(days)]
    counts = [(day, daily_counts.get(day, 0)) for day, _ in counts]
    peak = max((count for _, count in counts), default=0)
    step = CHART_WIDTH / days
    chart = Chart(total=sum(count for _, count in counts), peak=peak)
    for index, (day, count) in enumerate(counts):
        height = 0 if not peak else max(2, round(count / peak * (CHART_HEIGHT - 2)))
        chart.bars.append({
            "x": round(index * step, 2), "y": CHART_HEIGHT - height, "width": round(step - BAR_GAP, 2),
            "height": height, "day": day, "count": count,
        })
    return chart


def field_words(person, field_keys):
    """['E-mail address', 'City'] for ['contact.email', 'address.city']: the person's own labels."""
    categories = sorted({key.partition(".")[0] for key in field_keys if key.partition(".")[0] in CATEGORIES})
    labels = vault.attribute_labels(person, categories) if categories else {}
    words = []
    for key in field_keys:
        category, _, attribute = key.partition(".")
        label = labels.get(category, {}).get(attribute)
        words.append(label or (attribute or category).replace("_", " ").capitalize())
    return words


def timeline(grant, entries):
    """The grant's audit entries (from selectors.access_history) as sentences, newest first:
    [{at, text, fields, note, tone}]."""
    entries = sorted(entries, key=lambda entry: entry.at, reverse=True)
    vendor = vendor_name(grant)
    all_keys = sorted({key for entry in entries for key in entry.shown_fields})
    words = dict(zip(all_keys, field_words(grant.person, all_keys)))
    items = []
    for entry in entries:
        fields = [words[key] for key in entry.shown_fields]
        if entry.kind == "access":
            refused = entry.outcome == "refused"
            verb = "added a record" if entry.event == "write" else "read"
            if refused:
                text = f"{vendor} tried to {'add a record' if entry.event == 'write' else 'read'} and was refused"
            else:
                text = f"{vendor} {verb}"
            tone = "refused" if refused else "access"
        else:
            text = EVENT_WORDS.get(entry.event, "The grant changed").format(vendor=vendor)
            tone = "grant-end" if entry.event in ENDING_EVENTS else "grant"
        items.append({"at": entry.at, "text": text, "fields": fields, "note": entry.note, "tone": tone})
    return items


def summary(grant, now=None):
    """The grant page's summary facts as (label, value-or-moment, kind) rows; dates that no longer apply
    (the end of a grant that already ended, the data life of one whose data was erased) are left out."""
    now = now or timezone.now()
    live = grant.status in Grant.LIVE_STATUSES
    rows = [("Since", grant.starts_at, "date")]
    if live:
        rows.append(("Until", grant.expires_at, "relative"))
        if grant.status == Grant.Status.PAUSED and grant.paused_until:
            rows.append(("Paused until", grant.paused_until, "datetime"))
        rows.append(("Kept after the end", f"{describe_duration(grant.retention)}, then {vendor_name(grant)} must delete what it read", "text"))
    else:
        rows.append(("Ended", grant.ended_at or grant.expires_at, "datetime"))
        if grant.deletion_confirmed_at:
            rows.append(("Erasure", "confirmed by the vendor", "text"))
            rows.append(("Erasure confirmed", grant.deletion_confirmed_at, "datetime"))
        elif grant.deletion_requested_at:
            due = grant.deletion_requested_at + deletion_grace()
            rows.append(("Erasure", "overdue: the vendor has not confirmed it" if grant.deletion_overdue_at else "requested, waiting for the vendor to confirm", "text"))
            rows.append(("Confirmation due", due, "relative"))
        elif grant.retention_ends_at and grant.retention_ends_at > now:
            rows.append(("May keep what it read until", grant.retention_ends_at, "relative"))
        elif grant.retention_ends_at:
            rows.append(("Had to delete what it read by", grant.retention_ends_at, "date"))
    if grant.max_reads_per_day:
        rows.append(("Reads a day", f"at most {grant.max_reads_per_day}", "text"))
    return rows


def at_the_end(grant):
    """One sentence: what happens when the grant ends (shown on live grants)."""
    vendor = vendor_name(grant)
    if grant.retention <= timedelta(0):
        return f"When it ends, {vendor} is refused and must delete what it read at once."
    return (f"When it ends, {vendor} is refused and may keep what it already read for "
            f"{describe_duration(grant.retention)}; then it must delete it and confirm.")


def revoke_consequences(grant, now=None):
    """What revoking this grant will do, as sentences for the consequences page."""
    now = now or timezone.now()
    vendor = vendor_name(grant)
    keep = (f"{vendor} may keep what it already read for {describe_duration(grant.retention)}, "
            "then it must delete it." if grant.retention > timedelta(0) else f"{vendor} must delete what it already read at once.")
    return [
        f"{vendor} is refused from its very next request: it can no longer read anything under this grant.",
        keep,
        "You get a new signed receipt recording that you revoked it.",
        f"This cannot be undone. To share again, {vendor} has to ask you again and you decide anew.",
    ]


def leave_consequences(grant, live_count):
    """What leaving the grant's vendor will do, as sentences for the consequences page."""
    vendor = vendor_name(grant)
    grants = "your grant" if live_count == 1 else f"all {live_count} of your grants"
    return [
        (f"{vendor} is refused at once: {grants} to it {'is' if live_count == 1 else 'are'} revoked."
         if live_count else f"{vendor} has no live grant from you any more."),
        f"{vendor} is asked to erase everything it holds about you, now, whatever data life you agreed to.",
        f"It must confirm the erasure within {describe_duration(deletion_grace())}; you see here when it does, "
        "and auditors see it if it does not.",
        "This cannot be undone.",
    ]
