"""The settings form: the time zone and language a person's pages are shown in."""

from django import forms
from django.conf import settings

from vrm.preferences import time_zone_choices


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Every date on your pages is shown in this zone. Left empty, your browser's zone is used.",
    )
    language = forms.ChoiceField(
        label="Language and formats",
        required=False,
        help_text="How dates and numbers are written.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "Your browser's time zone"), *time_zone_choices()]
        self.fields["time_zone"].widget.attrs["data-browser-default"] = "zone-from-browser"
        self.fields["language"].choices = [("", "The site's default"), *settings.LANGUAGES]
