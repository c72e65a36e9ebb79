"""The person's connections: every grant they gave, each grant's access history, and the buttons that
change it. Thin views: a form checks the input, one service in consents.grants makes the change."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from consents import grants as services
from consents import selectors
from consents.exceptions import GrantError
from consents.lifecycle_forms import NarrowForm, PauseForm, ReasonForm, ShortenForm
from vrm.catalogue import SCOPES
from vrm.views.profile import person_required


def _grant_or_404(request, grant_id):
    grant = selectors.grant_of_person(request.user, grant_id)
    if grant is None:
        raise Http404("No such grant.")
    return grant


@person_required
@require_GET
def dashboard(request):
    page = selectors.grants_for_person(request.user, request.GET.get("page"))
    return TemplateResponse(request, "consents/dashboard.html", {"grants": page.object_list, "page": page})


def _detail(request, grant, status=200, **forms):
    history = list(selectors.access_history(grant)[:500])
    context = {
        "grant": grant,
        "scope_labels": [(scope, SCOPES.get(scope, scope)) for scope in sorted(grant.scopes)],
        "history": history,
        "revoke_form": forms.get("revoke_form") or ReasonForm(prefix="revoke"),
        "pause_form": forms.get("pause_form") or PauseForm(prefix="pause"),
        "resume_form": forms.get("resume_form") or ReasonForm(prefix="resume"),
        "narrow_form": forms.get("narrow_form") or NarrowForm(prefix="narrow", grant=grant),
        "shorten_form": forms.get("shorten_form") or ShortenForm(prefix="shorten", grant=grant),
        "leave_form": forms.get("leave_form") or ReasonForm(prefix="leave"),
    }
    return TemplateResponse(request, "consents/grant_detail.html", context, status=status)


@person_required
@require_GET
def grant_detail(request, grant_id):
    return _detail(request, _grant_or_404(request, grant_id))


def _act(request, grant, form_name, form, action, done):
    """Validate `form`, run `action(cleaned_data)`; re-render with errors (400) or redirect with a message."""
    if not form.is_valid():
        return _detail(request, grant, status=400, **{form_name: form})
    try:
        action(form.cleaned_data)
    except GrantError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("consents:grant_detail", grant.pk)


@person_required
@require_POST
def revoke(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, "revoke_form", ReasonForm(request.POST, prefix="revoke"),
        lambda data: services.revoke_grant(grant, actor=request.user, reason=data["reason"]),
        "Revoked. The vendor can no longer read anything under this grant.",
    )


@person_required
@require_POST
def pause(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, "pause_form", PauseForm(request.POST, prefix="pause"),
        lambda data: services.pause_grant(grant, actor=request.user, until=data["until"], reason=data["reason"]),
        "Paused. The vendor is refused until you resume the grant.",
    )


@person_required
@require_POST
def resume(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, "resume_form", ReasonForm(request.POST, prefix="resume"),
        lambda data: services.resume_grant(grant, actor=request.user, reason=data["reason"]),
        "Resumed. The vendor can read again what this grant allows.",
    )


@person_required
@require_POST
def narrow(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, "narrow_form", NarrowForm(request.POST, prefix="narrow", grant=grant),
        lambda data: services.narrow_grant(grant, actor=request.user, scopes=data["scopes"], reason=data["reason"]),
        "Narrowed. The vendor now sees only the scopes you kept.",
    )


@person_required
@require_POST
def shorten(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, "shorten_form", ShortenForm(request.POST, prefix="shorten", grant=grant),
        lambda data: services.shorten_grant(
            grant, actor=request.user, expires_at=data["expires_at"], reason=data["reason"]
        ),
        "The grant now ends earlier.",
    )


@person_required
@require_POST
def leave(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    vendor = grant.client.vendor
    if vendor is None:
        raise Http404("This client has no vendor organisation.")
    return _act(
        request, grant, "leave_form", ReasonForm(request.POST, prefix="leave"),
        lambda data: services.leave_vendor(request.user, vendor, actor=request.user, reason=data["reason"]),
        f"You left {vendor.name}: its grants are revoked and it was asked to erase your data.",
    )
