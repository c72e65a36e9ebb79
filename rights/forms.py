from django import forms

from audit.forms import AuditFilterForm
from rights import clocks
from rights.models import RightsRequest


class FileRequestForm(forms.Form):
    kind = forms.ChoiceField(label="What you ask", choices=list(clocks.KINDS.items()), initial=clocks.ACCESS)
    jurisdiction = forms.ChoiceField(
        label="Whose law you invoke", choices=[(code, f"{j.name}: {j.law}") for code, j in clocks.JURISDICTIONS.items()]
    )
    details = forms.CharField(
        label="Anything the vendor should know (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class JurisdictionForm(forms.Form):
    jurisdiction = forms.ChoiceField(
        label="Your jurisdiction", choices=[(code, f"{j.name}: {j.law}") for code, j in clocks.JURISDICTIONS.items()]
    )


class RightsAuditFilterForm(AuditFilterForm):
    """The auditor's filters: vendor and filing time (shared with the audit pages), kind, status, jurisdiction."""

    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *clocks.KINDS.items()])
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *RightsRequest.Status.choices])
    jurisdiction = forms.ChoiceField(
        required=False, choices=[("", "All jurisdictions"), *((c, j.name) for c, j in clocks.JURISDICTIONS.items())]
    )
