"""The person's side of notices: read them, dismiss one, switch the e-mail digest on or off."""

from django.utils import timezone

from notifications.models import DigestSubscription, Notice


def open_notices(person):
    """The person's notices not yet dismissed, newest first, with what the page shows of their grant."""
    return (
        Notice.objects.filter(person=person, dismissed_at__isnull=True)
        .select_related("grant__client__vendor").order_by("-created_at", "-pk")
    )


def dismiss_notice(person, notice_id, *, now=None):
    """Dismiss one of the person's notices ("let it end", "got it"); idempotent. Returns how many changed."""
    return Notice.objects.filter(person=person, pk=notice_id, dismissed_at__isnull=True).update(
        dismissed_at=now or timezone.now()
    )


def subscription_of(person):
    return DigestSubscription.objects.get_or_create(person=person)[0]


def set_email_digest(person, enabled):
    """Turn the person's e-mail digest on or off; returns the subscription."""
    subscription = subscription_of(person)
    if subscription.email_enabled != enabled:
        subscription.email_enabled = enabled
        subscription.save(update_fields=["email_enabled"])
    return subscription
