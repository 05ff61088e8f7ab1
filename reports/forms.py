from django import forms

from reports.kinds import ReportKind


class ReportFilterForm(forms.Form):
    """The filters of the reports screen and of GET /api/v1/reports/."""

    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *ReportKind.choices], required=False, label="Kind"
    )
    created_from = forms.DateField(
        required=False,
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        required=False,
        label="Created to",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date must be on or after the start date.")
        return cleaned
