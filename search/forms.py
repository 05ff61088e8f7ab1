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


class AddressSearchForm(forms.Form):
    """The address form: the fields of search.parsing.ADDRESS_FIELDS and a UPRN. Checked
    by search.parsing (address_fields_parse, uprn_parse), whose messages say what to add."""

    sub_building = forms.CharField(
        label="Flat or sub-building", required=False, max_length=40, help_text="e.g. Flat 3"
    )
    building = forms.CharField(
        label="Building number or name", required=False, max_length=40, help_text="e.g. 12"
    )
    street = forms.CharField(label="Street", required=False, max_length=40)
    locality = forms.CharField(label="Locality", required=False, max_length=40)
    town = forms.CharField(label="Town", required=False, max_length=40)
    postcode = forms.CharField(
        label="Postcode", required=False, max_length=10, help_text="Full, or its first part"
    )
    uprn = forms.CharField(
        label="UPRN", required=False, max_length=14, help_text="Unique Property Reference Number"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["autocomplete"] = "off"
            if field.help_text:
                # The template shows the hint as "<id>-hint"; screen readers read it too.
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
