from django import forms


class FlowUploadForm(forms.Form):
    file = forms.FileField(
        label="Flow file",
        help_text="A DTC flow file (D0312, D0204 refresh or D0386), pipe-delimited.",
        allow_empty_file=True,
    )

    @classmethod
    def refused(cls, message: str) -> "FlowUploadForm":
        """The form as shown after a file was refused (too large) with `message`."""
        form = cls(data={}, files={})
        form.full_clean()
        form.errors.clear()
        form.add_error("file", message)
        return form
