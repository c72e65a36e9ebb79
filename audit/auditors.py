"""Auditor accounts: created by an operator, read-only, optionally with an API client (client credentials)."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret

from vendors.models import OAuthClient
from vrm.models import User


class AuditorNotCreated(Exception):
    """The account could not be created as asked; the message says why."""


@dataclass
class NewAuditor:
    user: User
    password: str
    client: OAuthClient | None = None
    client_secret: str = ""


@transaction.atomic
def create_auditor(username, *, email="", with_client=False):
    """Create an auditor with a fresh random password (returned once, stored only hashed).

    With ``with_client``, also register a confidential OAuth client for the
    client-credentials grant, owned by the auditor, whose tokens carry ``audit:read``.
    """
    if User.objects.filter(username__iexact=username).exists():
        raise AuditorNotCreated(f"A user named {username!r} already exists.")
    password = secrets.token_urlsafe(18)
    user = User(username=username, email=email, role=User.Role.AUDITOR)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as error:
        raise AuditorNotCreated("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
    user.save()
    new = NewAuditor(user=user, password=password)
    if with_client:
        new.client_secret = generate_client_secret()
        new.client = OAuthClient.objects.create(
            name=f"Auditor {username}", user=user, vendor=None,
            client_type=OAuthClient.CLIENT_CONFIDENTIAL,
            authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
            client_secret=new.client_secret, redirect_uris="",
        )
    return new
