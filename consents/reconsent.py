"""Asking again: what a vendor's new request changes compared with the person's live grant to it.

The consent screen shows this diff (kept, added, removed, changed terms) and warns in plain words when
allowing would drop something the vendor can read today."""

from dataclasses import dataclass, field

from django.utils import timezone

from consents.models import Grant
from consents.terms import describe_duration
from vendors.oauth import person_scopes


@dataclass
class Diff:
    """Scopes as (scope, words) pairs, terms as (what, before, after) sentences' parts."""

    kept: list = field(default_factory=list)
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed_terms: list = field(default_factory=list)

    @property
    def drops_something(self):
        return bool(self.removed)


def diff_against_grant(current, requested_scopes, terms, now=None):
    """The Diff between the live grant `current` and a request for `requested_scopes` on `terms`,
    or None when there is no live grant (a first consent)."""
    if current is None:
        return None
    now = now or timezone.now()
    words = person_scopes()
    requested, today = set(requested_scopes), set(current.scopes)
    purposes = dict(Grant.Purpose.choices)
    diff = Diff(
        kept=[(scope, words.get(scope, scope)) for scope in sorted(requested & today)],
        added=[(scope, words.get(scope, scope)) for scope in sorted(requested - today)],
        removed=[(scope, words.get(scope, scope)) for scope in sorted(today - requested)],
    )
    if terms.purpose != current.purpose:
        diff.changed_terms.append(("Purpose", current.get_purpose_display(), purposes.get(terms.purpose, "")))
    if terms.retention != current.retention:
        diff.changed_terms.append(("Kept after the end", describe_duration(current.retention), describe_duration(terms.retention)))
    if (terms.max_reads_per_day or None) != (current.max_reads_per_day or None):
        reads = lambda value: f"at most {value} a day" if value else "no limit"  # noqa: E731
        diff.changed_terms.append(("Reads a day", reads(current.max_reads_per_day), reads(terms.max_reads_per_day)))
    diff.current_end = current.expires_at
    diff.new_duration = describe_duration(terms.duration)
    return diff
