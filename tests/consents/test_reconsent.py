from datetime import timedelta

import pytest

from consents.models import Grant
from consents.reconsent import diff_against_grant
from consents.terms import Terms
from tests.factories import make_grant

pytestmark = pytest.mark.django_db

TERMS = Terms(purpose=Grant.Purpose.DELIVERY, purpose_text="", duration=timedelta(days=90), retention=timedelta(days=30))


def test_the_diff_names_kept_added_and_removed_scopes_and_warns_about_the_drop():
    grant = make_grant(scopes=("contact:read", "address:read"))

    diff = diff_against_grant(grant, ["contact:read", "identity:read"], TERMS)

    assert [scope for scope, _ in diff.kept] == ["contact:read"]
    assert [scope for scope, _ in diff.added] == ["identity:read"]
    assert [scope for scope, _ in diff.removed] == ["address:read"]
    assert diff.removed[0][1] == "Read your address" and diff.drops_something
    assert diff.changed_terms == []


def test_a_wider_request_on_new_terms_drops_nothing_and_lists_the_changed_terms():
    grant = make_grant(scopes=("contact:read",))
    terms = Terms(purpose=Grant.Purpose.MARKETING, purpose_text="", duration=timedelta(days=30),
                  retention=timedelta(days=7), max_reads_per_day=5)

    diff = diff_against_grant(grant, ["contact:read", "address:read"], terms)

    assert not diff.drops_something
    assert diff.changed_terms == [
        ("Purpose", "Delivering goods to you", "Marketing to you"),
        ("Kept after the end", "30 days", "7 days"),
        ("Reads a day", "no limit", "at most 5 a day"),
    ]


def test_a_first_consent_has_no_diff():
    assert diff_against_grant(None, ["contact:read"], TERMS) is None
