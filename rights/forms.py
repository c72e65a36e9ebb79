from django import forms

from rights import clocks


class FileRequestForm(forms.Form):
    kind = forms.ChoiceField(label="What you ask", choices=list(clocks.KINDS.items()), initial=clocks.ACCESS)
    jurisdiction = forms.ChoiceField(
        label="Whose law you invoke", choices=[(code, f"{j.name}: {j.law}") for code, j in clocks.JURISDICTIONS.items()]
    )
    details = forms.CharField(
        label="Anything the vendor should know (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
