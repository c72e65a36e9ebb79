"""Pseudonymous person ids and keyed hashes: stable, not reversible without the server's key.

Two kinds of person id, both HMAC-SHA256 under ``VRM_PSEUDONYM_KEY``:

- the global pseudonym (``psn_...``) of a user id: what the audit log, the
  auditor's views and the person's own history use;
- the pairwise subject (``sub_...``) of a user id and a vendor organisation,
  after OpenID Connect's pairwise subject identifiers: what a vendor sees
  (receipts, API bodies, webhooks). Two vendors get two unrelated ids for the
  same person, so they cannot join their data on it; only the server (and the
  auditor, through it) can tell which global pseudonym a pairwise id belongs to.

The same key also makes the keyed hashes (``keyed_hash``) that stand in the
audit log for text a person or vendor chose (record keys, custom attribute
keys, reasons). The key must never change, or the same person gets new ids
(old entries still verify, but no longer match the person's history).
"""

import hashlib
import hmac

from django.conf import settings

PREFIX = "psn_"
PAIRWISE_PREFIX = "sub_"


def _mac(message):
    return hmac.new(settings.VRM_PSEUDONYM_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def pseudonym_for(user_id):
    """The global pseudonym of the user with this primary key (32 hex characters after a prefix)."""
    if user_id is None:
        raise ValueError("a pseudonym needs a user id")
    return PREFIX + _mac(f"person:{user_id}")[:32]


def organisation_of(client):
    """The organisation a client speaks for: its vendor, or the client alone when it has no vendor."""
    return f"vendor:{client.vendor_id}" if client.vendor_id is not None else f"client:{client.pk}"


def pairwise_subject_for(user_id, organisation):
    """The id this organisation (see organisation_of) sees for the user: the same for all its clients and
    grants, unrelated to the id any other organisation sees, 32 hex characters after a prefix."""
    if user_id is None or not organisation:
        raise ValueError("a pairwise subject needs a user id and an organisation")
    return PAIRWISE_PREFIX + _mac(f"pairwise:{organisation}:person:{user_id}")[:32]


def subject_for_grant(grant):
    """The pairwise subject of the grant's person, as the grant's vendor organisation sees them."""
    return pairwise_subject_for(grant.person_id, organisation_of(grant.client))


def keyed_hash(purpose, text):
    """A keyed hash of text someone chose (24 hex characters): equal texts give equal hashes, so an auditor
    who is shown the text can check it, but the log never holds the text itself. `purpose` separates uses."""
    return _mac(f"{purpose}:{text}")[:24]
