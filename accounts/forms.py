from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthMFAAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthMFAReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from accounts.models import User
from accounts.roles import ORGANISATION_ROLES

ROLE_CHOICES = [(role.value, role.label) for role in ORGANISATION_ROLES]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        error_messages={
            "required": "Enter the e-mail address of the person to invite.",
            "invalid": "Enter an e-mail address in the form name@example.com.",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the person's full name."},
    )
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=ORGANISATION_ROLES[0])

    def clean_email(self) -> str:
        # Whether the address has an account is the service's to answer, without
        # telling an admin about another organisation's (accounts.services.user_invite).
        return User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class MFARequirementForm(forms.Form):
    required = forms.BooleanField(required=False)


class LoginForm(AllauthLoginForm):
    """allauth's login form, with messages that say what to do."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].error_messages.update(
            required="Enter your e-mail address.",
            invalid="Enter an e-mail address in the form name@example.com.",
        )
        self.fields["password"].error_messages["required"] = "Enter your password."


def _relabel(form: forms.Form, labels: dict[str, str]) -> None:
    """allauth's labels are in title case ("New Password"): the portal's, without the
    placeholders that repeat them."""
    for name, label in labels.items():
        form.fields[name].label = label
        form.fields[name].widget.attrs.pop("placeholder", None)


NEW_PASSWORD_LABELS = {"password1": "New password", "password2": "Type the new password again"}


# What to do when a password field is left empty, instead of "This field is required."
PASSWORD_REQUIRED = {
    "oldpassword": "Enter your current password.",
    "password1": "Enter a new password.",
    "password2": "Type the new password again.",
}


def _required_messages(form: forms.Form, messages: dict[str, str]) -> None:
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"oldpassword": "Current password", **NEW_PASSWORD_LABELS})
        _required_messages(self, PASSWORD_REQUIRED)


class SetAccountPasswordForm(AllauthSetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": "Password", "password2": "Type the password again"})
        _required_messages(
            self, {"password1": "Enter a password.", "password2": "Type the password again."}
        )


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": "E-mail address"})
        self.fields["email"].error_messages.update(
            required="Enter your e-mail address.",
            invalid="Enter an e-mail address in the form name@example.com.",
        )


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, NEW_PASSWORD_LABELS)
        _required_messages(self, {k: PASSWORD_REQUIRED[k] for k in ("password1", "password2")})


class ReauthenticateForm(AllauthReauthenticateForm):
    """ "Confirm access": the password again, in the portal's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["password"]
        field.label = "Password"
        field.help_text = ""  # allauth's "Forgot your password?" link; the page has its own
        field.widget.attrs.pop("placeholder", None)
        field.error_messages["required"] = "Enter your password."


CODE_HINT = "The 6-digit code your authenticator app shows now, for example 123456."


def _code_field(form: forms.Form, *, hint: str, required: str) -> None:
    """The one-time code field: labelled, with a hint and a message that says what to do."""
    field = form.fields["code"]
    field.label = "Authenticator code"
    field.help_text = hint
    field.error_messages["required"] = required
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
    )


class MFAAuthenticateForm(AllauthMFAAuthenticateForm):
    """The code typed at login, after the password: from the app or a recovery code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(
            self,
            hint=f"{CODE_HINT} Lost your phone? Type one of your recovery codes instead.",
            required="Enter the code from your authenticator app, or a recovery code.",
        )


class MFAReauthenticateForm(AllauthMFAReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(
            self,
            hint=f"{CODE_HINT} Or type one of your recovery codes.",
            required="Enter the code from your authenticator app, or a recovery code.",
        )


class ActivateTOTPForm(AllauthActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(
            self,
            hint=CODE_HINT,
            required="Enter the 6-digit code your authenticator app shows now.",
        )


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
        error_messages={
            "required": "Enter a name for the key, e.g. the system that will use it.",
            "max_length": "Enter a name of 50 characters or fewer.",
        },
    )


class ApiKeyRevokeForm(forms.Form):
    """Revoking is for good: the admin types the key's name to say which key they mean."""

    name = forms.CharField(
        label="Type the key's name to confirm",
        error_messages={"required": "Type the name of the key you want to revoke."},
    )

    def __init__(self, *args, api_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.api_key = api_key

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name.casefold() != self.api_key.name.casefold():
            raise forms.ValidationError(
                f"The name you typed is not this key's: type “{self.api_key.name}”."
            )
        return name
