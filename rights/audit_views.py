"""The auditor's view of rights requests under /audit/rights/: the requests, filtered, and each vendor's
compliance with the legal clocks; both exportable as CSV or JSON lines (codes and dates only)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.views import auditor_required, export_response, query_without
from rights import selectors
from rights.forms import RightsAuditFilterForm

PAGE_SIZE = 50


def _filters(request):
    form = RightsAuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    return form, valid, (form.cleaned_data if request.GET and valid else {})


@require_GET
@auditor_required
def requests_list(request):
    form, valid, filters = _filters(request)
    selection = selectors.requests_for_audit(filters) if valid else selectors.requests_for_audit({}).none()
    export = request.GET.get("export")
    if export in ("csv", "jsonl") and valid:
        return export_response(export, "rights-requests", selectors.AUDIT_COLUMNS,
                       selectors.describe_for_audit(selection.iterator(chunk_size=2000)))
    page = Paginator(selection, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rights/audit_requests.html", {
        "form": form, "page": page, "rows": list(selectors.describe_for_audit(page.object_list)),
        "query": query_without(request, "page", "export"),
    }, status=200 if valid else 400)


@require_GET
@auditor_required
def compliance(request):
    form, valid, filters = _filters(request)
    rows = selectors.compliance_by_vendor(filters) if valid else []
    export = request.GET.get("export")
    if export in ("csv", "jsonl") and valid:
        return export_response(export, "rights-compliance", selectors.COMPLIANCE_COLUMNS, rows)
    return render(request, "rights/audit_compliance.html", {
        "form": form, "rows": rows, "query": query_without(request, "export"),
    }, status=200 if valid else 400)
