"""Portal pages for consent receipts: download (the person who owns the grant), verify (anyone)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit import signing
from audit.forms import VerifyReceiptForm
from audit.receipts import ReceiptNotVerified, verify_receipt_document
from consents import selectors as consents_selectors

# The consents app's page for one grant (where the person revokes it); receipts link there.
GRANT_PAGE_URL_NAME = "consents:grant_detail"


@login_required
@require_GET
def download(request, receipt_id):
    """The receipt as a JSON file (readable receipt + its JWS), only for the person whose grant it is."""
    receipt = consents_selectors.receipt_of_person(request.user, receipt_id)
    if receipt is None:
        raise Http404("No such receipt.")
    body = json.dumps(receipt.document(), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{receipt.id}.json"'
    return response


@login_required
@require_GET
def withdraw(request, grant_id):
    """The withdrawal method named in every receipt: the person's page for that grant."""
    if consents_selectors.grant_of_person(request.user, grant_id) is None:
        raise Http404("No such grant.")
    try:
        return redirect(reverse(GRANT_PAGE_URL_NAME, args=[grant_id]))
    except NoReverseMatch:
        raise Http404("The grant page is not available.") from None


@require_http_methods(["GET", "POST"])
def verify(request):
    """Paste or upload a receipt; see whether this server signed it, and what it says."""
    result = None
    form = VerifyReceiptForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            payload, kid = verify_receipt_document(form.cleaned_data["document"])
            result = {"ok": True, "receipt": payload, "kid": kid}
        except ReceiptNotVerified as error:
            form.add_error(None, f"Not verified: {error}")
    return render(
        request, "receipts/verify.html", {"form": form, "result": result, "public_jwk": signing.public_jwk()},
        status=400 if request.method == "POST" and result is None else 200,
    )


@require_GET
def signing_key(request):
    """The public key that signs receipts and checkpoints, as a JWK set (RFC 7517)."""
    response = JsonResponse({"keys": [signing.public_jwk()]}, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'inline; filename="vrm-signing-key.json"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
