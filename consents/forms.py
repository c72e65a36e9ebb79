from django import forms
from oauth2_provider.forms import AllowForm

from consents.exceptions import InvalidTerms
from consents.terms import describe_duration, format_duration, parse_duration
from vendors.oauth import person_scopes

# Shorter durations the person may choose instead of the one asked for, in days.
SHORTER_DURATIONS_DAYS = (1, 7, 30, 90, 180, 365)


def duration_choices(requested):
    """The requested duration first, then each standard shorter one, as (ISO 8601 value, label)."""
    choices = [(format_duration(requested), f"{describe_duration(requested)} (as asked)")]
    for days in sorted(SHORTER_DURATIONS_DAYS, reverse=True):
        option = parse_duration(days, name="duration")
        if option < requested:
            choices.append((format_duration(option), describe_duration(option)))
    return choices


class ConsentForm(AllowForm):
    """DOT's authorization form plus the terms asked for (hidden) and the person's choices."""

    purpose = forms.CharField(required=False, widget=forms.HiddenInput())
    purpose_text = forms.CharField(required=False, widget=forms.HiddenInput())
    duration = forms.CharField(required=False, widget=forms.HiddenInput())
    retention = forms.CharField(required=False, widget=forms.HiddenInput())
    max_reads_per_day = forms.CharField(required=False, widget=forms.HiddenInput())
    granted_scopes = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="What the vendor may use"
    )
    granted_duration = forms.ChoiceField(label="For how long")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        requested = (source.get("scope") or "").split()
        descriptions = person_scopes()
        self.fields["granted_scopes"].choices = [(scope, descriptions.get(scope, scope)) for scope in requested]
        try:
            requested_duration = parse_duration(source.get("duration") or "", name="duration")
        except InvalidTerms:
            requested_duration = None
        self.fields["granted_duration"].choices = duration_choices(requested_duration) if requested_duration else []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("allow") and not cleaned.get("granted_scopes"):
            raise forms.ValidationError("Tick at least one item to allow, or press Deny.")
        return cleaned
