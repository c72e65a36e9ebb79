"""Reads of rights requests, each with the joins its page or endpoint needs."""

from rights.models import RightsNotice, RightsRequest


def requests_of_person(person):
    return RightsRequest.objects.filter(person=person).select_related("client__vendor").order_by("-filed_at")


def request_of_person(person, request_id):
    return requests_of_person(person).filter(pk=request_id).first()


def open_requests_of_client(client):
    """The client's requests still awaiting an answer (open, extended or overdue), oldest deadline first."""
    return RightsRequest.objects.filter(client=client, status__in=RightsRequest.PENDING_STATUSES).order_by(
        "deadline_at", "id"
    )


def notices_of_person(person, limit=20):
    return RightsNotice.objects.filter(person=person).select_related("request__client__vendor").order_by(
        "-created_at"
    )[:limit]
