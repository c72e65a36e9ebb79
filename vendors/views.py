"""The developer portal: a vendor user registers organisations and OAuth clients."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from vendors.forms import ClientForm, OrganisationForm
from vendors.registration import register_client, register_vendor
from vendors.selectors import organisations_of


def add_service_errors(form, error):
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


class VendorUserRequired(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_vendor_user:
            return TemplateResponse(request, "vendors/not_a_vendor.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class DeveloperHomeView(VendorUserRequired, View):
    def get(self, request):
        return TemplateResponse(request, "vendors/home.html", {"organisations": organisations_of(request.user)})


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


@method_decorator(never_cache, name="dispatch")
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
        # Rendered, not redirected: the secret is shown this once and stored only as a hash.
        return TemplateResponse(
            self.request, "vendors/client_created.html", {"vendor": self.vendor, "client": client, "secret": secret}
        )
