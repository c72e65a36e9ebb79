"""Pseudonymous person ids: stable per person, not reversible without the server's key.

The audit log, receipts and the auditor's views name a person only by this
pseudonym. It is an HMAC-SHA256 of the user id under ``VRM_PSEUDONYM_KEY``;
the key must never change, or the same person gets a new pseudonym (the old
entries still verify, but no longer match the person's history).
"""

import hashlib
import hmac

from django.conf import settings

PREFIX = "psn_"


def pseudonym_for(user_id):
    """The pseudonym of the user with this primary key (32 hex characters after a prefix)."""
    if user_id is None:
        raise ValueError("a pseudonym needs a user id")
    mac = hmac.new(settings.VRM_PSEUDONYM_KEY.encode(), f"person:{user_id}".encode(), hashlib.sha256)
    return PREFIX + mac.hexdigest()[:32]
