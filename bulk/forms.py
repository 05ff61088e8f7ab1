from django import forms

from search.parsing import SearchKind

KIND_CHOICES = [
    (SearchKind.MPAN.value, "MPAN cores"),
    (SearchKind.POSTCODE.value, "Postcodes"),
    (SearchKind.SERIAL.value, "Meter serial numbers"),
]


class BulkSearchForm(forms.Form):
    kind = forms.ChoiceField(
        label="The list holds",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        initial="mpan",
        error_messages={
            "required": "Choose what the list holds: MPAN cores, postcodes or meter serials.",
            "invalid_choice": "Choose what the list holds: MPAN cores, postcodes or meter serials.",
        },
    )
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="One column, or a header row naming the column to search.",
    )
    text = forms.CharField(
        label="Or paste a list",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "data-keep-draft": ""}),
        help_text="One value per line.",
    )
    # Set when the page offers the file kept from the last submission (bulk/held.py).
    use_held = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, held=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = held

    def with_kind(self, kind: str, *, held=None) -> "BulkSearchForm":
        """The form shown again, unbound, with another kind chosen and the pasted list."""
        return BulkSearchForm(initial={"kind": kind, "text": self.data.get("text", "")}, held=held)

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("file"))
        has_text = bool((cleaned.get("text") or "").strip())
        uses_held = bool(cleaned.get("use_held")) and self.held is not None and not has_file
        cleaned["use_held"] = uses_held
        if has_file and has_text:
            raise forms.ValidationError("Upload a CSV file or paste a list, not both.")
        if not (has_file or has_text or uses_held):
            raise forms.ValidationError(
                "Choose a CSV file to upload, or paste a list with one value per line."
            )
        return cleaned
