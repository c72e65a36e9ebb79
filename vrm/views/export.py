"""Export: everything held about the person, as one JSON download and as a readable page."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from people.export import export_for_person
from vrm import catalogue
from vrm.views.profile import person_required


@person_required
def export_page(request):
    document = export_for_person(request.user)
    categories = [(catalogue.CATEGORIES[key][0], attributes) for key, attributes in document["profile"].items()]
    return render(request, "profile/export.html", {"export": document, "categories": categories})


@person_required
def export_json(request):
    document = export_for_person(request.user)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    filename = f"vrm-export-{request.user.username}-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
