from django import forms
from django.core.exceptions import ValidationError

from vrm import catalogue


class AttributeField(forms.CharField):
    """A form field that validates with the catalogue's rules for one attribute type."""

    def __init__(self, attribute, **kwargs):
        self.attribute = attribute
        # Not stripped here: catalogue.clean_value looks for control characters before it strips.
        super().__init__(required=False, max_length=catalogue.MAX_TEXT_LENGTH, strip=False, **kwargs)

    def clean(self, value):
        return catalogue.clean_value(self.attribute.type, super().clean(value), self.attribute.choices)


WIDGETS = {
    catalogue.TEXT: lambda a: forms.TextInput(),
    catalogue.EMAIL: lambda a: forms.EmailInput(attrs={"autocomplete": "email"}),
    catalogue.PHONE: lambda a: forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    catalogue.DATE: lambda a: forms.DateInput(attrs={"type": "date"}),
    catalogue.COUNTRY: lambda a: forms.Select(choices=[("", "—")] + catalogue.country_choices()),
    catalogue.CHOICE: lambda a: forms.Select(choices=[("", "—")] + [(c, c) for c in a.choices]),
}


class CategoryForm(forms.Form):
    """One field per attribute of a category; an empty field clears the value."""

    def __init__(self, attributes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for attribute in attributes:
            self.fields[attribute.key] = AttributeField(
                attribute, label=attribute.label, help_text=attribute.help_text, widget=WIDGETS[attribute.type](attribute)
            )


class CustomAttributeForm(forms.Form):
    category = forms.ChoiceField(
        choices=[(c, catalogue.CATEGORIES[c][0]) for c in catalogue.PROFILE_CATEGORIES], label="Category"
    )
    label = forms.CharField(max_length=100, label="Name of the attribute")
    type = forms.ChoiceField(choices=list(catalogue.TYPES.items()), label="Type")
    choices = forms.CharField(
        required=False,
        label="Options (for a choice; one per line)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        options = [line.strip() for line in cleaned.get("choices", "").splitlines() if line.strip()]
        if cleaned.get("type") == catalogue.CHOICE and len(options) < 2:
            self.add_error("choices", ValidationError("A choice needs at least two options, one per line."))
        cleaned["choices"] = options
        return cleaned
