"""Export: everything held about the person, as one JSON download and as a readable page."""

import json
from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from consents.models import Grant
from consents.presentation import EVENT_WORDS
from people.export import export_for_person
from vrm import catalogue
from vrm.views.profile import person_required

STATUS_WORDS = dict(Grant.Status.choices)


def _moment(text):
    return datetime.fromisoformat(text) if text else None


def _for_reading(document):
    """The export document as the page shows it: moments as datetimes (rendered in the person's zone),
    values as people write them, events and fields in words. The JSON download stays as it is."""
    grants = [
        {**grant, "starts_at": _moment(grant["starts_at"]), "expires_at": _moment(grant["expires_at"]),
         "ended_at": _moment(grant["ended_at"]), "status_label": STATUS_WORDS.get(grant["status"], grant["status"])}
        for grant in document["grants"]
    ]
    vendors = {grant["id"]: grant["vendor"] or grant["client"] for grant in document["grants"]}
    labels = {
        f"{category}.{key}": item["label"] for category, items in document["profile"].items() for key, item in items.items()
    }
    history = []
    for entry in document["access_history"]:
        vendor = vendors.get(entry["grant_id"], "A vendor")
        if entry["kind"] == "access":
            verb = "added a record" if entry["event"] == "write" else "read"
            what = f"{vendor} {verb}" + (" (refused)" if entry["outcome"] == "refused" else "")
        else:
            what = EVENT_WORDS.get(entry["event"], "The grant changed").format(vendor=vendor)
        fields = [labels.get(key) or key.partition(".")[2].replace("_", " ").capitalize() for key in entry["fields"]]
        history.append({"at": _moment(entry["at"]), "what": what, "fields": fields})
    records = [
        {**record, "created_at": _moment(record.get("created_at")), "retain_until": _moment(record.get("retain_until"))}
        for record in document["records"].get("purchases", [])
    ]
    return {"grants": grants, "history": history, "records": records,
            "generated_at": _moment(document["generated_at"]), "joined": _moment(document["account"]["date_joined"])}


@person_required
def export_page(request):
    document = export_for_person(request.user)
    categories = [
        (catalogue.CATEGORIES[key][0],
         {name: {**item, "value": catalogue.display_value(item["type"], item["value"])} for name, item in attributes.items()})
        for key, attributes in document["profile"].items()
    ]
    return render(request, "profile/export.html", {"export": document, "categories": categories, "shown": _for_reading(document)})


@person_required
def export_json(request):
    document = export_for_person(request.user)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    filename = f"vrm-export-{request.user.username}-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
