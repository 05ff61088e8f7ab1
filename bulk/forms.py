from django import forms

from search.parsing import SearchKind

KIND_CHOICES = [
    (SearchKind.MPAN.value, "MPAN cores"),
    (SearchKind.POSTCODE.value, "Postcodes"),
    (SearchKind.SERIAL.value, "Meter serial numbers"),
]


class BulkSearchForm(forms.Form):
    kind = forms.ChoiceField(
        label="The list holds", choices=KIND_CHOICES, widget=forms.RadioSelect, initial="mpan"
    )
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="One column, or a header row naming the column to search.",
    )
    text = forms.CharField(
        label="Or paste a list",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="One value per line.",
    )

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("file"))
        has_text = bool((cleaned.get("text") or "").strip())
        if has_file == has_text:
            raise forms.ValidationError("Upload a CSV file or paste a list (one of the two).")
        return cleaned
