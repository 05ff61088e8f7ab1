from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.models import Organisation
from search.queries import UK

USAGE_DEFAULT_DAYS = 30
USAGE_MAX_DAYS = 366


class UsageFilterForm(forms.Form):
    """The period (whole UK days, both included) and, for service admins, one organisation."""

    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        to_field_name="mpid",
        empty_label="All organisations",
    )

    def __init__(self, *args, service_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not service_admin:
            del self.fields["organisation"]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localtime(timezone.now(), UK).date()
        cleaned["date_to"] = cleaned.get("date_to") or today
        cleaned["date_from"] = cleaned.get("date_from") or cleaned["date_to"] - timedelta(
            days=USAGE_DEFAULT_DAYS - 1
        )
        if cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        elif (cleaned["date_to"] - cleaned["date_from"]).days >= USAGE_MAX_DAYS:
            self.add_error("date_from", f"Choose a period of at most {USAGE_MAX_DAYS} days.")
        return cleaned
