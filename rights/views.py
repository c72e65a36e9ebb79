"""The person's rights requests: file one from a grant page, follow it, download what came back.
Thin views: a form checks the input, one service in rights.services acts."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consents import selectors as grant_selectors
from rights import clocks, selectors, services
from rights.exceptions import NoSuchRight
from rights.forms import FileRequestForm, JurisdictionForm
from vrm.views.profile import person_required


def _list(request, jurisdiction_form=None, status=200):
    context = {
        "rights_requests": selectors.requests_of_person(request.user),
        "notices": selectors.notices_of_person(request.user),
        "jurisdiction_form": jurisdiction_form
        or JurisdictionForm(initial={"jurisdiction": services.jurisdiction_of(request.user)}),
    }
    return TemplateResponse(request, "rights/list.html", context, status=status)


@person_required
@require_GET
def request_list(request):
    return _list(request)


@person_required
@require_POST
def set_jurisdiction(request):
    """The person's jurisdiction: the law their next requests invoke (preselected on the request form)."""
    form = JurisdictionForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    services.set_jurisdiction(request.user, form.cleaned_data["jurisdiction"])
    messages.success(request, "Your jurisdiction was saved.")
    return redirect("rights:list")


@person_required
@require_http_methods(["GET", "POST"])
def file_request(request, grant_id):
    grant = grant_selectors.grant_of_person(request.user, grant_id)
    if grant is None:
        raise Http404("No such grant.")
    jurisdiction = services.jurisdiction_of(request.user)
    form = FileRequestForm(request.POST or None, initial={"jurisdiction": jurisdiction})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                filed = services.file_request(
                    request.user, grant, kind=form.cleaned_data["kind"],
                    jurisdiction=form.cleaned_data["jurisdiction"], details=form.cleaned_data["details"],
                )
            except NoSuchRight:
                form.add_error("kind", "The law you chose gives no such right; choose another request or law.")
            else:
                messages.success(request, "Your request was sent. The vendor's deadline is shown below.")
                return redirect("rights:detail", filed.pk)
        status = 400
    context = {
        "grant": grant,
        "form": form,
        "rights_by_law": [(j, clocks.kinds_in(code)) for code, j in clocks.JURISDICTIONS.items()],
    }
    return TemplateResponse(request, "rights/file.html", context, status=status)


def _request_or_404(request, request_id):
    found = selectors.request_of_person(request.user, request_id)
    if found is None:
        raise Http404("No such request.")
    return found


@person_required
@require_GET
def request_detail(request, request_id):
    return TemplateResponse(request, "rights/detail.html", {"rights_request": _request_or_404(request, request_id)})


@person_required
@require_GET
def download_answer(request, request_id):
    """The vendor's access answer, opened with the person's data key for this response only."""
    found = _request_or_404(request, request_id)
    if found.sealed_answer is None:
        raise Http404("This request has no answer to download.")
    response = HttpResponse(services.open_answer(found), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="access-answer-{found.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response
