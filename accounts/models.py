from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from accounts.roles import MarketRole, UserRole
from core.audit import AppendOnlyModel

mpid_validator = RegexValidator(
    r"^[A-Z0-9]{4}\Z", "An MPID is exactly 4 upper-case letters or digits, e.g. LOND."
)


def validate_role_codes(value: str) -> None:
    known = set(MarketRole.values)
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            ("Unknown market role code" if len(unknown) == 1 else "Unknown market role codes")
            + ": %(codes)s. Known codes: %(known)s.",
            params={"codes": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )
    if not value:
        raise ValidationError("An organisation holds at least one market role.")


class Organisation(models.Model):
    """A market participant: one MPID, one or more market roles, one company group."""

    mpid = models.CharField("MPID", max_length=4, unique=True, validators=[mpid_validator])
    name = models.CharField(max_length=200)
    # The set of role codes as sorted letters ("MX" = MOP and supplier): one column
    # that works on SQLite and PostgreSQL alike; read it through `market_roles`.
    role_codes = models.CharField(
        "market role codes", max_length=len(MarketRole.values), validators=[validate_role_codes]
    )
    is_active = models.BooleanField(default=True)
    mfa_required = models.BooleanField(
        "two-factor authentication required",
        default=False,
        help_text="Every user of the organisation must set up an authenticator app.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["mpid"]

    def __str__(self) -> str:
        return f"{self.mpid} {self.name}"

    def save(self, *args, **kwargs):
        self.role_codes = "".join(sorted(set(self.role_codes)))
        super().save(*args, **kwargs)

    @property
    def market_roles(self) -> list[MarketRole]:
        return [MarketRole(code) for code in self.role_codes]

    @property
    def is_operator(self) -> bool:
        return MarketRole.OPERATOR in self.role_codes


ADMIN_ACCESS_NEEDS_SERVICE_ADMIN = (
    "Only a service admin may have staff or superuser status: give the role "
    "Service admin, or clear Staff status and Superuser status."
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=UserRole.SERVICE_ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the portal; the e-mail address is the login."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text="Every portal user belongs to one organisation; "
        "only a superuser made from the command line may have none.",
    )
    role = models.CharField(max_length=20, choices=UserRole.choices, default=UserRole.USER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May log in to the Django admin (service admins)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the account was deleted: the person's data is anonymised and the row
    # kept (audit rows name it by its anonymous id, ANONYMOUS_ID).
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When the user (and their admins) were warned that the account will be closed for
    # want of a log-in (accounts.services.dormant_accounts_close).
    dormancy_warned_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    ANONYMOUS_ID = "deleted-user-{pk}"

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # The Django admin is the service desk's: staff and superuser status only
            # with the service-admin role (checked by clean() with a message, and here
            # for every other path, createsuperuser and the shell included).
            models.CheckConstraint(
                condition=models.Q(is_staff=False, is_superuser=False)
                | models.Q(role=UserRole.SERVICE_ADMIN),
                name="accounts_user_admin_access_needs_service_admin_role",
                violation_error_message=ADMIN_ACCESS_NEEDS_SERVICE_ADMIN,
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if (self.is_staff or self.is_superuser) and self.role != UserRole.SERVICE_ADMIN:
            raise ValidationError(ADMIN_ACCESS_NEEDS_SERVICE_ADMIN)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_organisation_admin(self) -> bool:
        return self.role in (UserRole.ORGANISATION_ADMIN, UserRole.SERVICE_ADMIN)

    @property
    def is_service_admin(self) -> bool:
        return self.role == UserRole.SERVICE_ADMIN

    @property
    def anonymous_id(self) -> str:
        return self.ANONYMOUS_ID.format(pk=self.pk)

    @property
    def state(self) -> str:
        """Active, invited (no password set yet), deactivated or deleted."""
        if self.deleted_at:
            return "deleted"
        if not self.is_active:
            return "deactivated"
        if not self.has_usable_password() and not self.last_login:
            return "invited"
        return "active"


class AccountEventKind(models.TextChoices):
    """What happened to an account; the one list the audit trail and its views use."""

    LOGGED_IN = "logged_in", "Logged in"
    LOGGED_OUT = "logged_out", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOCKED_OUT = "locked_out", "Locked out after failed logins"
    SESSION_EXPIRED = "session_expired", "Session expired"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
    PASSWORD_RESET_COMPLETED = "password_reset_completed", "Password reset completed"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_SET = "password_set", "Password set from invitation"
    MFA_ACTIVATED = "mfa_activated", "Two-factor authentication activated"
    MFA_DEACTIVATED = "mfa_deactivated", "Two-factor authentication deactivated"
    MFA_RECOVERY_CODES_REGENERATED = "mfa_codes_regenerated", "Recovery codes regenerated"
    MFA_FAILED = "mfa_failed", "Wrong two-factor code"
    MFA_RESET = "mfa_reset", "Two-factor authentication reset by an admin"
    MFA_REQUIREMENT_CHANGED = "mfa_requirement_changed", "Two-factor requirement changed"
    INVITED = "invited", "Invited"
    ROLE_CHANGED = "role_changed", "Role changed"
    DEACTIVATED = "deactivated", "Deactivated"
    REACTIVATED = "reactivated", "Reactivated"
    ORGANISATION_CREATED = "organisation_created", "Organisation created"
    ORGANISATION_DEACTIVATED = "organisation_deactivated", "Organisation deactivated"
    ORGANISATION_REACTIVATED = "organisation_reactivated", "Organisation reactivated"
    ORGANISATION_MOVED = "organisation_moved", "Moved between organisations"
    STAFF_GRANTED = "staff_granted", "Staff status granted"
    STAFF_REMOVED = "staff_removed", "Staff status removed"
    SUPERUSER_GRANTED = "superuser_granted", "Superuser status granted"
    SUPERUSER_REMOVED = "superuser_removed", "Superuser status removed"
    INVITED_EXISTING_ACCOUNT = "invited_existing", "Invitation to an address with an account"
    DELETED = "deleted", "Account deleted (personal data anonymised)"
    DORMANCY_WARNED = "dormancy_warned", "Warned of closure for no log-in"
    CLOSED_DORMANT = "closed_dormant", "Closed for no log-in"
    SSH_KEY_ADDED = "ssh_key_added", "SSH key added"
    SSH_KEY_REMOVED = "ssh_key_removed", "SSH key removed"
    SFTP_LOGGED_IN = "sftp_logged_in", "Logged in over SFTP"
    SFTP_LOGIN_FAILED = "sftp_login_failed", "Failed SFTP login"


class AccountEvent(AppendOnlyModel):
    """One line of the account audit trail: who did what to whom, when, from where.

    The people are foreign keys (PROTECT: an audited user is deactivated, never deleted)
    and their e-mail addresses are copied too, so a line reads on its own.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=AccountEventKind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    subject = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="account_events"
    )
    subject_email = models.CharField(max_length=254, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_events",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-occurred_at"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.subject_email}"
        )


class OrganisationApiKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # Authentication reads the organisation of every key it accepts.
        return super().get_usable_keys().select_related("organisation")


class OrganisationApiKey(AbstractAPIKey):
    """A key for an organisation's service accounts: only a hash is stored (SHA-512, by
    djangorestframework-api-key); the key itself is shown once, when it is created."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_keys"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = OrganisationApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "organisation API key"
        verbose_name_plural = "organisation API keys"
        # Created by the search app; the table and index keep their names.
        db_table = "search_organisationapikey"
        indexes = [models.Index(fields=["organisation", "-created"], name="search_key_org_idx")]
