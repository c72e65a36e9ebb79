"""The person's connections: every grant they gave, each grant's summary, access timeline and receipts,
and the controls that change it. Revoking and leaving go through a consequences page first.
Thin views: a form checks the input, one service in consents.grants makes the change."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.selectors import daily_reads_for_grants, receipts_for_grant
from consents import grants as services
from consents import presentation, selectors
from consents.exceptions import GrantError
from consents.lifecycle_forms import NarrowForm, PauseForm, ReasonForm, ShortenForm
from consents.models import Grant
from vrm.views.profile import person_required

FILTER_LABELS = [("all", "All"), ("active", "Active"), ("paused", "Paused"), ("ended", "Ended")]
SORT_LABELS = [("recent", "Newest"), ("name", "Name"), ("ending", "Ending soonest")]


def _grant_or_404(request, grant_id):
    grant = selectors.grant_of_person(request.user, grant_id)
    if grant is None:
        raise Http404("No such grant.")
    return grant


@person_required
@require_GET
def dashboard(request):
    show = request.GET.get("show", "all")
    show = show if show in selectors.CONNECTION_FILTERS else "all"
    sort = request.GET.get("sort", "recent")
    sort = sort if sort in selectors.CONNECTION_SORTS else "recent"
    page = selectors.grants_for_person(request.user, request.GET.get("page"), show=show, sort=sort)
    now = timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    since = now - timedelta(days=presentation.CHART_DAYS)
    reads = daily_reads_for_grants([grant.pk for grant in page.object_list], since=since, tzinfo=zone)
    for grant in page.object_list:
        grant.chart = presentation.reads_chart(
            {day: count for (grant_id, day), count in reads.items() if grant_id == grant.pk}, today
        )
    return TemplateResponse(request, "consents/dashboard.html", {
        "grants": page.object_list, "page": page, "show": show, "sort": sort, "now": now,
        "filters": FILTER_LABELS, "sorts": SORT_LABELS,
    })


def _detail(request, grant, status=200, **forms):
    entries = selectors.access_history(grant)
    live = grant.status in Grant.LIVE_STATUSES
    context = {
        "grant": grant,
        "vendor_name": presentation.vendor_name(grant),
        "live": live,
        "summary": presentation.summary(grant),
        "at_the_end": presentation.at_the_end(grant) if live else "",
        "timeline": presentation.timeline(grant, entries),
        "receipts": list(receipts_for_grant(grant)),
        "can_leave": grant.client.vendor is not None and grant.deletion_requested_at is None,
        "pause_form": forms.get("pause_form") or PauseForm(prefix="pause"),
        "resume_form": forms.get("resume_form") or ReasonForm(prefix="resume"),
        "narrow_form": forms.get("narrow_form") or NarrowForm(prefix="narrow", grant=grant),
        "shorten_form": forms.get("shorten_form") or ShortenForm(prefix="shorten", grant=grant),
    }
    return TemplateResponse(request, "consents/grant_detail.html", context, status=status)


@person_required
@require_GET
def grant_detail(request, grant_id):
    return _detail(request, _grant_or_404(request, grant_id))


def _act(request, grant, form, action, done, invalid):
    """Validate `form`, run `action(cleaned_data)`; on bad input `invalid(form)` renders it again (400),
    else redirect to the grant page with a message."""
    if not form.is_valid():
        return invalid(form)
    try:
        action(form.cleaned_data)
    except GrantError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("consents:grant_detail", grant.pk)


def _on_detail(request, grant, form_name):
    return lambda form: _detail(request, grant, status=400, **{form_name: form})


def _consequences(request, grant, *, action, form, status=200):
    """The page between the person and an irreversible action: what will happen, then confirm or go back."""
    if action == "revoke":
        title, items, button = (f"Revoke access for {presentation.vendor_name(grant)}?",
                                presentation.revoke_consequences(grant), "Revoke access")
    else:
        live = selectors.live_grant_count_with_vendor(request.user, grant.client.vendor)
        title, items, button = (f"Leave {grant.client.vendor.name}?",
                                presentation.leave_consequences(grant, live), "Leave and ask for erasure")
    return TemplateResponse(request, "consents/consequences.html", {
        "grant": grant, "title": title, "consequences": items, "button": button, "form": form, "action": action,
    }, status=status)


@person_required
@require_http_methods(["GET", "POST"])
def revoke(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    if grant.status not in Grant.LIVE_STATUSES:
        messages.info(request, "This grant has already ended.")
        return redirect("consents:grant_detail", grant.pk)
    if request.method == "GET":
        return _consequences(request, grant, action="revoke", form=ReasonForm(prefix="revoke"))
    return _act(
        request, grant, ReasonForm(request.POST, prefix="revoke"),
        lambda data: services.revoke_grant(grant, actor=request.user, reason=data["reason"]),
        "Revoked. The vendor can no longer read anything under this grant.",
        lambda form: _consequences(request, grant, action="revoke", form=form, status=400),
    )


@person_required
@require_POST
def pause(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, PauseForm(request.POST, prefix="pause"),
        lambda data: services.pause_grant(grant, actor=request.user, until=data["until"], reason=data["reason"]),
        "Paused. The vendor is refused until you resume the grant.", _on_detail(request, grant, "pause_form"),
    )


@person_required
@require_POST
def resume(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, ReasonForm(request.POST, prefix="resume"),
        lambda data: services.resume_grant(grant, actor=request.user, reason=data["reason"]),
        "Resumed. The vendor can read again what this grant allows.", _on_detail(request, grant, "resume_form"),
    )


@person_required
@require_POST
def narrow(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, NarrowForm(request.POST, prefix="narrow", grant=grant),
        lambda data: services.narrow_grant(grant, actor=request.user, scopes=data["scopes"], reason=data["reason"]),
        "Narrowed. The vendor now sees only what you kept.", _on_detail(request, grant, "narrow_form"),
    )


@person_required
@require_POST
def shorten(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    return _act(
        request, grant, ShortenForm(request.POST, prefix="shorten", grant=grant),
        lambda data: services.shorten_grant(
            grant, actor=request.user, expires_at=data["expires_at"], reason=data["reason"]
        ),
        "The grant now ends earlier.", _on_detail(request, grant, "shorten_form"),
    )


@person_required
@require_http_methods(["GET", "POST"])
def leave(request, grant_id):
    grant = _grant_or_404(request, grant_id)
    vendor = grant.client.vendor
    if vendor is None:
        raise Http404("This client has no vendor organisation.")
    if grant.deletion_requested_at is not None:
        messages.info(request, f"You already left {vendor.name}.")
        return redirect("consents:grant_detail", grant.pk)
    if request.method == "GET":
        return _consequences(request, grant, action="leave", form=ReasonForm(prefix="leave"))
    return _act(
        request, grant, ReasonForm(request.POST, prefix="leave"),
        lambda data: services.leave_vendor(request.user, vendor, actor=request.user, reason=data["reason"]),
        f"You left {vendor.name}: its grants are revoked and it was asked to erase your data.",
        lambda form: _consequences(request, grant, action="leave", form=form, status=400),
    )
