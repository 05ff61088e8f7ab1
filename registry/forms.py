from django import forms


class FlowUploadForm(forms.Form):
    file = forms.FileField(
        label="Flow file",
        help_text="A DTC flow file (D0312, D0204 refresh or D0386), pipe-delimited.",
        allow_empty_file=True,
    )
