"""The auditor's read-only portal under /audit/: grants, events, chain status, checkpoints, overdue deletions."""

from datetime import datetime
from datetime import timezone as dt_timezone
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit import selectors, signing
from audit.exports import csv_lines, jsonl_lines, log_export_lines
from audit.forms import EntryFilterForm, GrantFilterForm
from consents import selectors as consents_selectors
from consents.retention import deletion_grace
from vrm.celery import enqueue_after_commit
from vrm.pseudonyms import PAIRWISE_PREFIX

PAGE_SIZE = 50


def auditor_required(view):
    """Signed-in auditors only: others are sent to log in (anonymous) or refused with 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_auditor:
            raise PermissionDenied("Auditors only.")
        return view(request, *args, **kwargs)

    return guarded


def export_response(kind, name, columns, records):
    """A streamed export of `records` as CSV (`kind` "csv", cells neutralised) or JSON lines, named `name`."""
    if kind == "csv":
        response = StreamingHttpResponse(csv_lines(columns, records), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = StreamingHttpResponse(jsonl_lines(records), content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.jsonl"'
    return response


def query_without(request, *names):
    """The request's query string without `names` (for page links and export links of a filtered list)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
@auditor_required
def overview(request):
    status = selectors.chain_status()
    return render(request, "audit/overview.html", {
        "run": status.run,
        "checkpoint": status.checkpoint,
        "overdue_count": consents_selectors.overdue_deletions().count(),
        "pending": (status.pending, status.oldest_pending_at),
    })


@require_GET
@auditor_required
def grants(request):
    form = GrantFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    filters = form.cleaned_data if request.GET and valid else {}
    selection = consents_selectors.grants_for_audit(filters) if valid else consents_selectors.grants_for_audit({}).none()
    export = request.GET.get("export")
    if export in ("csv", "jsonl") and valid:
        return export_response(export, "grants", selectors.GRANT_COLUMNS, selectors.iterate_described_grants(selection))
    page = Paginator(selection, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/grants.html", {
        "form": form, "page": page, "grants": [selectors.describe_grant(g) for g in page.object_list],
        "query": query_without(request, "page", "export"),
    }, status=200 if valid else 400)


@require_GET
@auditor_required
def events(request):
    form = EntryFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    filters = form.cleaned_data if request.GET and valid else {}
    selection = selectors.entries_for_audit(filters) if valid else selectors.entries_for_audit({}).none()
    export = request.GET.get("export")
    if export in ("csv", "jsonl") and valid:
        return export_response(export, "audit-events", selectors.ENTRY_COLUMNS, selectors.iterate_described_entries(selection))
    before = request.GET.get("before", "")
    if before.isdigit():
        selection = selection.filter(seq__lt=int(before))
    batch = list(selection[: PAGE_SIZE + 1])
    entries = selectors.describe_entries(batch[:PAGE_SIZE])
    subject = filters.get("person", "")
    owner = selectors.subject_owner(subject) if subject.startswith(PAIRWISE_PREFIX) else None
    return render(request, "audit/events.html", {
        "form": form, "entries": entries, "subject": subject if owner or subject.startswith(PAIRWISE_PREFIX) else "",
        "owner": owner,
        "older": entries[-1]["seq"] if len(batch) > PAGE_SIZE else None,
        "query": query_without(request, "before", "export"),
    }, status=200 if valid else 400)


@require_GET
@auditor_required
def checkpoints(request):
    page = Paginator(selectors.checkpoints(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/checkpoints.html", {"page": page, "public_jwk": signing.public_jwk()})


@require_GET
@auditor_required
def overdue(request):
    now = timezone.now()
    grace = deletion_grace()
    grants = [
        (selectors.describe_grant(g), g.retention_ends_at + grace) for g in consents_selectors.overdue_deletions(now)[:500]
    ]
    return render(request, "audit/overdue.html", {"grants": grants, "now": now, "grace_days": grace.days})


@require_POST
@auditor_required
def verify_now(request):
    """Ask a worker to verify the whole chain now; the status page follows the run asked for."""
    asked_at = timezone.now()
    enqueue_after_commit("audit.tasks.verify_audit_log")  # the hourly run answers too if the broker is down
    return redirect(f"{request.path}?asked={asked_at.timestamp():.6f}")


@require_GET
@auditor_required
def verification_status(request):
    """Progress of an on-demand verification: waiting for a worker, then the run's result.

    Any run that started after it was asked answers it (the hourly one too), so nothing is tracked per request.
    """
    try:
        asked_at = datetime.fromtimestamp(float(request.GET["asked"]), tz=dt_timezone.utc)
    except (KeyError, ValueError, OverflowError, OSError):
        # Nothing (valid) asked for: the latest result, and the button to ask.
        return render(request, "audit/verify.html", {"latest": selectors.latest_verification()})
    run = selectors.verification_since(asked_at)
    template = "audit/_verify_progress.html" if request.GET.get("fragment") else "audit/verify.html"
    return render(request, template, {"run": run, "asked_at": asked_at, "size": selectors.chain_size()})


def verify_now_or_status(request):
    return verify_now(request) if request.method == "POST" else verification_status(request)


@require_GET
@auditor_required
def full_log(request):
    """The whole log with checkpoints, for audit/standalone_verify.py."""
    response = StreamingHttpResponse(log_export_lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.jsonl"'
    return response
