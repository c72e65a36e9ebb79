"""Developer portal: a client's webhook endpoint (URL, signing secret shown once) and its delivery attempts."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from vendors.models import OAuthClient
from vendors.views import VendorUserRequired, add_service_errors, hand_over_secret, take_secret
from vendors.webhooks import recent_deliveries, set_endpoint


class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https")


@method_decorator(never_cache, name="dispatch")
class ClientWebhooksView(VendorUserRequired, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_vendor_user:
            self.client = get_object_or_404(
                OAuthClient.objects.select_related("vendor").exclude(redirect_uris=""),  # not a deleted client
                pk=kwargs["client_id"], vendor__members=request.user,
            )
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, secret=None, status=200):
        endpoint = getattr(self.client, "webhook_endpoint", None)
        context = {
            "client": self.client, "endpoint": endpoint, "form": form, "secret": secret,
            "deliveries": recent_deliveries([self.client.pk], limit=50),
        }
        return TemplateResponse(self.request, "vendors/webhooks.html", context, status=status)

    def get(self, request, client_id):
        endpoint = getattr(self.client, "webhook_endpoint", None)
        return self.render(EndpointForm(initial={"url": endpoint.url if endpoint else ""}),
                           secret=take_secret(request, self.client, "webhook"))

    def post(self, request, client_id):
        form = EndpointForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            _, secret = set_endpoint(self.client, form.cleaned_data["url"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form, status=400)
        # Post/redirect/get: the signing secret rides in the session to the next page, shown there once.
        hand_over_secret(request, self.client, secret, "webhook")
        return redirect(request.path)
