from django import forms

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
