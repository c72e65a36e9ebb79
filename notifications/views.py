"""A person's notices under /notifications/, and the digest's one-click "turn off" link."""

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import notices, sweeps
from vrm.models import User
from vrm.views.profile import person_required


@require_GET
@person_required
def notice_list(request):
    items = []
    for notice in notices.open_notices(request.user):
        reads = [
            {**read, "labels": [sweeps.field_label(f) for f in read["fields"]]}
            for read in notice.detail.get("reads", [])
        ]
        items.append({"notice": notice, "reads": reads})
    return render(request, "notifications/list.html", {
        "items": items, "subscription": notices.subscription_of(request.user),
        "interval_days": sweeps.digest_interval().days,
    })


@require_POST
@person_required
def dismiss(request, notice_id):
    notices.dismiss_notice(request.user, notice_id)
    return redirect("notifications:list")


@require_POST
@person_required
def digest_setting(request):
    enabled = request.POST.get("email_enabled") == "on"
    notices.set_email_digest(request.user, enabled)
    messages.success(request, "The e-mail digest is on." if enabled else "The e-mail digest is off.")
    return redirect("notifications:list")


@never_cache
@csrf_exempt  # the signed token is the proof; mail clients POST here for RFC 8058 one-click unsubscribe
@require_http_methods(["GET", "POST"])
def digest_off(request, token):
    """GET: a page with one button (link scanners only GET); POST: the digest is off."""
    try:
        person = User.objects.get(pk=sweeps.person_for_unsubscribe_token(token))
    except (signing.BadSignature, User.DoesNotExist):
        raise Http404("This link is not valid.") from None
    if request.method == "POST":
        notices.set_email_digest(person, False)
        return render(request, "notifications/digest_off.html", {"done": True})
    return render(request, "notifications/digest_off.html", {"done": False})
