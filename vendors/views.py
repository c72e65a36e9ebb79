"""The developer portal: a vendor user registers organisations and OAuth clients, edits, rotates and deletes them.

Every form posts, then redirects (a reload never registers twice). A new secret is handed to the next page
through the session and shown there once; only its hash is stored.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from vendors import webhooks
from vendors.forms import ClientEditForm, ClientForm, OrganisationForm
from vendors.models import OAuthClient
from vendors.oauth import person_scopes
from vendors.registration import (
    delete_client,
    live_clients_of,
    register_client,
    register_vendor,
    rotate_client_secret,
    update_client,
)
from vendors.selectors import organisations_of

SHOWN_ONCE = "developers.secret-shown-once"


def add_service_errors(form, error):
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def hand_over_secret(request, client, secret, kind="client"):
    """Keep a new secret (`kind`: the client's, or its webhook signing secret) for the next page only."""
    request.session[SHOWN_ONCE] = {"client": client.pk, "kind": kind, "secret": secret}


def take_secret(request, client, kind="client"):
    """The secret handed over for this client and kind, once; any other page visited first drops it."""
    handed = request.session.pop(SHOWN_ONCE, None)
    return handed["secret"] if handed and (handed["client"], handed["kind"]) == (client.pk, kind) else None


class VendorUserRequired(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_vendor_user:
            return TemplateResponse(request, "vendors/not_a_vendor.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class ClientMixin(VendorUserRequired):
    """A live client of one of the signed-in developer's organisations, or 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_vendor_user:
            self.client = get_object_or_404(
                OAuthClient.objects.select_related("vendor").exclude(redirect_uris=""),
                pk=kwargs["client_id"], vendor__members=request.user,
            )
        return super().dispatch(request, *args, **kwargs)


class DeveloperHomeView(VendorUserRequired, View):
    def get(self, request):
        organisations = [(vendor, live_clients_of(vendor)) for vendor in organisations_of(request.user)]
        return TemplateResponse(request, "vendors/home.html", {"organisations": organisations})


class OrganisationCreateView(VendorUserRequired, FormView):
    template_name = "vendors/organisation_form.html"
    form_class = OrganisationForm

    def form_valid(self, form):
        try:
            vendor = register_vendor(member=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Registered {vendor.name}. An operator verifies organisations separately.")
        return redirect("developers:home")


class ClientCreateView(VendorUserRequired, FormView):
    template_name = "vendors/client_form.html"
    form_class = ClientForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_vendor_user:
            self.vendor = get_object_or_404(request.user.vendors, pk=kwargs["vendor_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(vendor=self.vendor, **kwargs)

    def form_valid(self, form):
        try:
            client, secret = register_client(vendor=self.vendor, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        hand_over_secret(self.request, client, secret)
        messages.success(self.request, f"Registered {client.name}.")
        return redirect("developers:client", client_id=client.pk)


@method_decorator(never_cache, name="dispatch")
class ClientDetailView(ClientMixin, View):
    """The client's quickstart: its own values in the discovery URL, an Authlib snippet and the webhook check."""

    def get(self, request, client_id):
        client = self.client
        redirect_uri = client.redirect_uris.split()[0]
        endpoint = getattr(client, "webhook_endpoint", None)
        return TemplateResponse(request, "vendors/client_detail.html", {
            "client": client, "vendor": client.vendor, "secret": take_secret(request, client),
            "redirect_uris": client.redirect_uris.split(), "redirect_uri": redirect_uri,
            "discovery_url": f"{settings.SITE_URL}/.well-known/oauth-authorization-server",
            "api_url": f"{settings.SITE_URL}/api/v1", "scopes": " ".join(sorted(person_scopes())),
            "signature_header": webhooks.SIGNATURE_HEADER, "endpoint": endpoint,
        })


class ClientEditView(ClientMixin, FormView):
    template_name = "vendors/client_edit.html"
    form_class = ClientEditForm

    def get_initial(self):
        return {"name": self.client.name, "redirect_uris": "\n".join(self.client.redirect_uris.split())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(client=self.client, **kwargs)

    def form_valid(self, form):
        try:
            update_client(self.client, **form.service_arguments())
        except ValidationError as error:
            self.client.refresh_from_db()
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.client.name}.")
        return redirect("developers:client", client_id=self.client.pk)


class ClientRotateSecretView(ClientMixin, View):
    """GET asks for confirmation (the old secret stops working at once); POST rotates and redirects."""

    def get(self, request, client_id):
        return TemplateResponse(request, "vendors/client_rotate.html", {"client": self.client})

    def post(self, request, client_id):
        secret = rotate_client_secret(self.client)
        hand_over_secret(request, self.client, secret)
        messages.success(request, "New secret issued; the old one no longer works.")
        return redirect("developers:client", client_id=self.client.pk)


class ClientDeleteView(ClientMixin, View):
    """GET says what deleting does; POST revokes the client's grants (audited) and deletes it."""

    def get(self, request, client_id):
        live = self.client.consent_grants.filter(status__in=("active", "paused")).count()
        return TemplateResponse(request, "vendors/client_delete.html", {"client": self.client, "live_grants": live})

    def post(self, request, client_id):
        revoked = delete_client(self.client, actor=request.user)
        messages.success(
            request, f"Deleted {self.client.name}; {revoked} live grant{'s' if revoked != 1 else ''} revoked."
        )
        return redirect(reverse("developers:home"))
