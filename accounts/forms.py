from django import forms
from django.contrib.auth.forms import SetPasswordForm

from accounts.models import User
from accounts.roles import ORGANISATION_ROLES

ROLE_CHOICES = [(role.value, role.label) for role in ORGANISATION_ROLES]


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=ORGANISATION_ROLES[0])

    def clean_email(self) -> str:
        # Whether the address has an account is the service's to answer, without
        # telling an admin about another organisation's (accounts.services.user_invite).
        return User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class MFARequirementForm(forms.Form):
    required = forms.BooleanField(required=False)


class InviteAcceptForm(SetPasswordForm):
    """Django's set-password form with the portal's labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type the password again"


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=50,
        label="Key name",
        help_text="What will use the key, e.g. “Billing system (production)”.",
    )
