from datetime import timezone as dt_timezone

from django import forms

from audit.log import GRANT_EVENTS

MAX_RECEIPT_BYTES = 64 * 1024


class VerifyReceiptForm(forms.Form):
    """A receipt pasted as text or uploaded as the downloaded file (one of the two)."""

    text = forms.CharField(
        label="Receipt (paste the file's content or the signed receipt)", required=False,
        widget=forms.Textarea(attrs={"rows": 8}), max_length=MAX_RECEIPT_BYTES,
    )
    file = forms.FileField(label="or upload the receipt file", required=False)

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text"), cleaned.get("file")
        if upload:
            if upload.size > MAX_RECEIPT_BYTES:
                raise forms.ValidationError("The file is too large to be a receipt.")
            try:
                cleaned["document"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not a text receipt.") from None
        elif text and text.strip():
            cleaned["document"] = text
        elif not self.errors:
            raise forms.ValidationError("Paste a receipt or choose its file.")
        return cleaned


class AuditFilterForm(forms.Form):
    """Filters shared by the auditor's pages and API: which vendor, and a time range."""

    vendor = forms.ModelChoiceField(queryset=None, required=False, empty_label="All vendors")
    since = forms.DateTimeField(
        required=False, label="From (UTC)", help_text="YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2025-01-31 08:00",
        widget=forms.DateTimeInput(attrs={"aria-describedby": "id_since_hint", "inputmode": "numeric"}),
    )
    until = forms.DateTimeField(
        required=False, label="Until (UTC, exclusive)", help_text="YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2025-02-28",
        widget=forms.DateTimeInput(attrs={"aria-describedby": "id_until_hint", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        from vendors.models import Vendor

        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        for name in ("since", "until"):
            # Any offset Python accepts (up to ±23:59) is compared in UTC: the database refuses offsets beyond ±15:59.
            if cleaned.get(name):
                try:
                    cleaned[name] = cleaned[name].astimezone(dt_timezone.utc)
                except OverflowError:
                    self.add_error(name, "This time is out of range.")  # and drops it from cleaned_data
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until <= since:
            raise forms.ValidationError("'Until' must be after 'From'.")
        return cleaned


class GrantFilterForm(AuditFilterForm):
    """Grants by vendor, status, purpose, and when they were created."""

    status = forms.ChoiceField(required=False)
    purpose = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        from consents.models import Grant

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *Grant.Status.choices]
        self.fields["purpose"].choices = [("", "Any purpose"), *Grant.Purpose.choices]


class EntryFilterForm(AuditFilterForm):
    """Log entries by vendor, kind of event, outcome, grant, pseudonymous person and time."""

    EVENTS = [
        ("", "Any event"), ("read", "Vendor read"), ("write", "Vendor write"),
        *[(e, f"Grant {e.replace('_', ' ')}") for e in GRANT_EVENTS],
    ]

    event = forms.ChoiceField(required=False, choices=EVENTS)
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), ("ok", "ok"), ("refused", "refused")])
    grant = forms.UUIDField(required=False, label="Grant id")
    person = forms.RegexField(
        required=False, regex=r"^(psn|sub)_[0-9a-f]{32}$", label="Person (pseudonym or a vendor's pairwise id)",
        error_messages={"invalid": "A pseudonym looks like psn_ (or, as a vendor sees it, sub_) followed by 32 hex digits."},
    )
