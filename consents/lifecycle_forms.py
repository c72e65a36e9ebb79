"""Forms of the person's grant page: each action's input, validated before a service is called."""

from django import forms
from django.utils import timezone

from vrm.catalogue import SCOPES


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=1000, required=False)


class PauseForm(ReasonForm):
    until = forms.DateTimeField(
        label="Resume automatically on (optional)",
        required=False,
        help_text="In your time zone. Left empty, the grant stays paused until you resume it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until is not None and until <= timezone.now():
            raise forms.ValidationError("Choose a moment in the future.")
        return until


class NarrowForm(ReasonForm):
    scopes = forms.MultipleChoiceField(label="Keep sharing", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, grant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope, SCOPES.get(scope, scope)) for scope in sorted(grant.scopes)]
        self.fields["scopes"].initial = sorted(grant.scopes)
        self.grant = grant

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        if set(scopes) == set(self.grant.scopes):
            raise forms.ValidationError("Untick at least one item to narrow the grant.")
        return scopes


class ShortenForm(ReasonForm):
    expires_at = forms.DateTimeField(
        label="New end", help_text="In your time zone; before the current end.", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, grant, **kwargs):
        super().__init__(*args, **kwargs)
        self.grant = grant

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if not timezone.now() < expires_at < self.grant.expires_at:
            raise forms.ValidationError("Choose a moment in the future and before the current end.")
        return expires_at
