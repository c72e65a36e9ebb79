from django.db.models import Prefetch

from consents.models import Grant
from vendors.models import OAuthClient


def organisations_of(user):
    """The vendor organisations `user` is a member of, with their clients, in two queries."""
    return user.vendors.order_by("name").prefetch_related(Prefetch("clients", queryset=OAuthClient.objects.order_by("name")))


def grant_of_client(client, grant_id):
    """The grant `grant_id` if `client` holds it, else None (a client never sees another client's grants)."""
    return Grant.objects.filter(pk=grant_id, client=client).first()
