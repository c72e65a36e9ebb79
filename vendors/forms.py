from datetime import timedelta

from django import forms

from consents.models import Grant
from consents.terms import MAX_DURATION, MAX_RETENTION


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")
    website = forms.URLField(required=False, assume_scheme="https")
    privacy_policy_url = forms.URLField(required=False, label="Privacy policy URL", assume_scheme="https")
    contact_email = forms.EmailField(required=False, label="Contact e-mail")
    logo_url = forms.URLField(required=False, label="Logo URL", assume_scheme="https")


class ClientForm(forms.Form):
    name = forms.CharField(max_length=255, label="Client name", help_text="Shown to persons on the consent screen.")
    redirect_uris = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Redirect URIs",
        help_text="One per line. https, or http on 127.0.0.1 / localhost for development. Matched exactly.",
    )
    default_purpose = forms.ChoiceField(choices=Grant.Purpose.choices, label="Default purpose")
    default_purpose_text = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label="Default purpose, in your words"
    )
    default_duration_days = forms.IntegerField(
        min_value=1, max_value=MAX_DURATION.days, initial=90, label="Default grant duration (days)"
    )
    default_retention_days = forms.IntegerField(
        min_value=0, max_value=MAX_RETENTION.days, initial=30, label="Default retention after the grant ends (days)"
    )

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "redirect_uris": data["redirect_uris"].split(),
            "default_purpose": data["default_purpose"],
            "default_purpose_text": data["default_purpose_text"],
            "default_duration": timedelta(days=data["default_duration_days"]),
            "default_retention": timedelta(days=data["default_retention_days"]),
        }


class ClientEditForm(forms.Form):
    """What a developer may change on a registered client: its name and its redirect URIs."""

    name = ClientForm.base_fields["name"]
    redirect_uris = ClientForm.base_fields["redirect_uris"]

    def service_arguments(self):
        return {"name": self.cleaned_data["name"], "redirect_uris": self.cleaned_data["redirect_uris"].split()}
