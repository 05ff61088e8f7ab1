"""Writes to organisations, users and the account audit trail.

Every change an admin makes goes through one function here, which checks that the
admin may make it, makes it and records an AccountEvent in the same transaction.
"""

import smtplib
from datetime import timedelta
from importlib import import_module

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.mail import mail_send, portal_url
from accounts.models import (
    ADMIN_ACCESS_NEEDS_SERVICE_ADMIN,
    AccountEvent,
    AccountEventKind,
    Organisation,
    OrganisationApiKey,
    User,
)
from accounts.roles import ORGANISATION_ROLES, UserRole
from accounts.tokens import invite_token_make
from core.text import count_noun


class AccountError(Exception):
    """A change to an account that cannot be made; the message says why."""


def account_event_record(
    *,
    kind: AccountEventKind,
    actor: User | None = None,
    subject: User | None = None,
    subject_email: str = "",
    organisation: Organisation | None = None,
    ip_address: str | None = None,
    detail: str = "",
    desk_only: bool = False,
) -> AccountEvent:
    """Append one line to the audit trail; the organisation defaults to the subject's.

    A `desk_only` line has no organisation: only service admins see it.
    """
    if organisation is None and not desk_only:
        organisation = (subject or actor).organisation if (subject or actor) else None
    return AccountEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_email=actor.email if actor else "",
        subject=subject,
        subject_email=subject.email if subject else subject_email,
        organisation=organisation,
        ip_address=ip_address or None,
        detail=detail[:300],
    )


def _check_may_manage(*, by: User, user: User | None = None) -> None:
    if not (by.is_organisation_admin and by.organisation_id):
        raise AccountError("Only an organisation admin can manage users.")
    if user is None:
        return
    if user.organisation_id != by.organisation_id:
        raise AccountError("You can only manage users of your own organisation.")
    if user.is_service_admin and not by.is_service_admin:
        raise AccountError("Only the service desk can change a service admin.")


def _check_not_self(*, by: User, user: User, action: str) -> None:
    if by.pk == user.pk:
        raise AccountError(f"You cannot {action} your own account; ask another admin.")


def _invite_send(*, user: User, invited_by: User | None) -> None:
    path = reverse("account_invite_accept", kwargs={"token": invite_token_make(user=user)})
    try:
        mail_send(
            template="account/email/invite",
            to=user.email,
            context={
                "user": user,
                "organisation": user.organisation,
                "invited_by": invited_by,
                "invite_url": portal_url(path),
                "valid_hours": settings.ACCOUNT_INVITE_TIMEOUT // 3600,
            },
        )
    except (OSError, smtplib.SMTPException) as error:
        # Raised inside the caller's transaction, so the invitation is not kept either.
        raise AccountError(
            f"The invitation e-mail to {user.email} could not be sent ({error}); "
            "nothing was changed. Try again later."
        ) from error


def _email_normalise(email: str) -> str:
    return User.objects.normalize_email(email).strip().lower()


def _user_create_invited(
    *, organisation: Organisation, email: str, full_name: str, role: str
) -> User:
    email = _email_normalise(email)
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(f"A user with the e-mail address {email} already exists.")
    user = User(email=email, full_name=full_name.strip(), organisation=organisation, role=role)
    # No usable password until the invitee sets one through the e-mailed link; the
    # admin never sees or chooses it.
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise AccountError(f"A user with the e-mail address {email} already exists.") from error
    return user


@transaction.atomic
def user_invite(
    *,
    by: User,
    email: str,
    full_name: str,
    role: str,
    ip_address: str | None = None,
) -> User | None:
    """Create a user in the admin's organisation and e-mail them a set-password link.

    The e-mail is sent inside the transaction: if it cannot be sent, no user is made
    and the admin sees the error, rather than an account nobody was told about.

    An address that already has an account in another organisation must not be
    revealed: the admin gets the same answer as for any invitation (the view shows
    the same page, after the same kind of work: one e-mail sent inside this
    transaction). Nothing changes in the account; its owner is e-mailed that the
    admin tried to invite them, and the desk sees an `INVITED_EXISTING_ACCOUNT`
    event (with no organisation, so no organisation admin sees it). Returns None then.
    An address already in the admin's own organisation is said plainly: the admin
    sees their own users anyway.
    """
    _check_may_manage(by=by)
    if role not in ORGANISATION_ROLES:
        raise AccountError("An organisation admin can give the roles user or organisation admin.")
    existing = User.objects.filter(email__iexact=_email_normalise(email)).first()
    if existing is not None and existing.organisation_id == by.organisation_id:
        raise AccountError(
            f"{existing.email} already has an account in your organisation; "
            "find it in the list of users."
        )
    if existing is not None:
        _invite_to_existing_account(by=by, user=existing, ip_address=ip_address)
        return None
    user = _user_create_invited(
        organisation=by.organisation, email=email, full_name=full_name, role=role
    )
    account_event_record(
        kind=AccountEventKind.INVITED,
        actor=by,
        subject=user,
        ip_address=ip_address,
        detail=f"as {UserRole(role).label}",
    )
    _invite_send(user=user, invited_by=by)
    return user


def _invite_to_existing_account(*, by: User, user: User, ip_address: str | None) -> None:
    account_event_record(
        kind=AccountEventKind.INVITED_EXISTING_ACCOUNT,
        actor=by,
        subject=user,
        # Neither the inviter's organisation nor the account's may see this line.
        desk_only=True,
        ip_address=ip_address,
        detail=f"invited by an admin of {by.organisation.mpid}; nothing changed",
    )
    try:
        mail_send(
            template="account/email/invite_existing",
            to=user.email,
            context={
                "user": user,
                "organisation": by.organisation,
                "login_url": portal_url(reverse("account_login")),
            },
        )
    except (OSError, smtplib.SMTPException) as error:
        raise AccountError(
            f"The invitation e-mail to {user.email} could not be sent ({error}); "
            "nothing was changed. Try again later."
        ) from error


@transaction.atomic
def user_invite_resend(*, by: User, user: User, ip_address: str | None = None) -> None:
    """A fresh invitation link for someone who has not set a password yet."""
    _check_may_manage(by=by, user=user)
    if user.has_usable_password() or user.last_login:
        raise AccountError(
            f"{user.email} has already set a password; send a password reset instead."
        )
    if not user.is_active:
        raise AccountError(f"{user.email} is deactivated; reactivate the account first.")
    user.set_unusable_password()  # a new fingerprint: earlier links stop working
    user.save(update_fields=["password"])
    account_event_record(
        kind=AccountEventKind.INVITED,
        actor=by,
        subject=user,
        ip_address=ip_address,
        detail="invitation sent again",
    )
    _invite_send(user=user, invited_by=by)


@transaction.atomic
def user_invite_accept(*, user: User, password: str, ip_address: str | None = None) -> None:
    """The invitee chose a password (already validated by the form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    account_event_record(
        kind=AccountEventKind.PASSWORD_SET, actor=user, subject=user, ip_address=ip_address
    )


@transaction.atomic
def user_role_change(*, by: User, user: User, role: str, ip_address: str | None = None) -> None:
    _check_may_manage(by=by, user=user)
    _check_not_self(by=by, user=user, action="change the role of")
    if user.is_service_admin:
        # A service admin also holds Django admin rights, which only the desk removes.
        raise AccountError(
            "A service admin's role is changed in Service administration (Django admin)."
        )
    if role not in ORGANISATION_ROLES:
        raise AccountError("An organisation admin can give the roles user or organisation admin.")
    if role == user.role:
        raise AccountError(f"{user.email} is already {UserRole(role).label.lower()}.")
    if role == UserRole.USER:
        _check_keeps_an_admin(user=user, action="change the role of")
    before = UserRole(user.role).label
    user.role = role
    user.save(update_fields=["role"])
    account_event_record(
        kind=AccountEventKind.ROLE_CHANGED,
        actor=by,
        subject=user,
        ip_address=ip_address,
        detail=f"{before} to {UserRole(role).label}",
    )


@transaction.atomic
def user_deactivate(*, by: User, user: User, ip_address: str | None = None) -> None:
    """Stop a user logging in and end every session they have."""
    _check_may_manage(by=by, user=user)
    _check_not_self(by=by, user=user, action="deactivate")
    if not user.is_active:
        raise AccountError(f"{user.email} is already deactivated.")
    _check_keeps_an_admin(user=user, action="deactivate")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user=user)
    account_event_record(
        kind=AccountEventKind.DEACTIVATED,
        actor=by,
        subject=user,
        ip_address=ip_address,
        detail=f"{count_noun(ended, 'session')} ended",
    )


@transaction.atomic
def user_reactivate(*, by: User, user: User, ip_address: str | None = None) -> None:
    _check_may_manage(by=by, user=user)
    if user.deleted_at:
        raise AccountError("A deleted account cannot be reactivated.")
    if user.is_active:
        raise AccountError(f"{user.email} is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    account_event_record(
        kind=AccountEventKind.REACTIVATED, actor=by, subject=user, ip_address=ip_address
    )


@transaction.atomic
def user_password_reset_send(*, by: User, user: User, request: HttpRequest) -> None:
    """Send the user allauth's password-reset e-mail (valid for PASSWORD_RESET_TIMEOUT).

    The request is needed because allauth builds the link from it.
    """
    from allauth.account.forms import ResetPasswordForm

    from core.http import client_ip

    _check_may_manage(by=by, user=user)
    if not user.is_active:
        raise AccountError(f"{user.email} is deactivated; reactivate the account first.")
    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():
        raise AccountError(" ".join(form.errors.get("email", ["The e-mail was not sent."])))
    account_event_record(
        kind=AccountEventKind.PASSWORD_RESET_REQUESTED,
        actor=by,
        subject=user,
        ip_address=client_ip(request),
        detail="by an admin",
    )
    form.save(request)


@transaction.atomic
def user_mfa_reset(*, by: User, user: User, ip_address: str | None = None) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone).

    If the user must use two-factor authentication, they set it up again at next login.
    """
    _check_may_manage(by=by, user=user)
    _check_not_self(by=by, user=user, action="reset two-factor authentication for")
    removed, _ = Authenticator.objects.filter(user=user).delete()
    if not removed:
        raise AccountError(f"{user.email} has no two-factor authentication to reset.")
    account_event_record(
        kind=AccountEventKind.MFA_RESET, actor=by, subject=user, ip_address=ip_address
    )


@transaction.atomic
def organisation_mfa_require(
    *, by: User, required: bool, ip_address: str | None = None
) -> Organisation:
    """Turn the organisation's two-factor requirement on or off."""
    _check_may_manage(by=by)
    organisation = by.organisation
    if organisation.mfa_required == required:
        return organisation
    organisation.mfa_required = required
    organisation.save(update_fields=["mfa_required"])
    account_event_record(
        kind=AccountEventKind.MFA_REQUIREMENT_CHANGED,
        actor=by,
        organisation=organisation,
        ip_address=ip_address,
        detail="required" if required else "optional",
    )
    return organisation


@transaction.atomic
def organisation_create(
    *,
    mpid: str,
    name: str,
    role_codes: str,
    admin_email: str,
    admin_name: str = "",
) -> tuple[Organisation, User]:
    """A new market participant and its first organisation admin, who is e-mailed a link."""
    organisation = Organisation(mpid=mpid.strip(), name=name.strip(), role_codes=role_codes)
    try:
        organisation.full_clean()
    except ValidationError as error:
        messages = [f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()]
        raise AccountError("; ".join(messages)) from error
    organisation.save()
    admin = _user_create_invited(
        organisation=organisation,
        email=admin_email,
        full_name=admin_name,
        role=UserRole.ORGANISATION_ADMIN,
    )
    account_event_record(
        kind=AccountEventKind.ORGANISATION_CREATED,
        organisation=organisation,
        subject=admin,
        detail=f"{organisation.mpid} {organisation.name} ({organisation.role_codes})",
    )
    account_event_record(
        kind=AccountEventKind.INVITED, subject=admin, detail="as first organisation admin"
    )
    _invite_send(user=admin, invited_by=None)
    return organisation, admin


def _check_service_desk(*, by: User, action: str) -> None:
    if not (by.is_active and by.is_service_admin):
        raise AccountError(f"Only the service desk can {action}.")


@transaction.atomic
def organisation_deactivate(
    *, by: User, organisation: Organisation, ip_address: str | None = None
) -> int:
    """Stop every user of the organisation logging in, and end their sessions now.

    Their accounts stay as they are (each user's own active flag is not touched), so
    reactivating the organisation gives back exactly the access it had. Any session
    that escapes (a race with a login) is refused at its next request by the session
    middleware. Returns how many sessions were ended.
    """
    _check_service_desk(by=by, action="deactivate an organisation")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_operator and by.organisation_id == organisation.pk:
        raise AccountError("You cannot deactivate the service desk's own organisation.")
    if not organisation.is_active:
        raise AccountError(f"{organisation} is already deactivated.")
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])
    ended = sum(user_sessions_end(user=user) for user in organisation.users.all())
    account_event_record(
        kind=AccountEventKind.ORGANISATION_DEACTIVATED,
        actor=by,
        organisation=organisation,
        ip_address=ip_address,
        detail=f"{count_noun(ended, 'session')} ended",
    )
    return ended


@transaction.atomic
def organisation_reactivate(
    *, by: User, organisation: Organisation, ip_address: str | None = None
) -> None:
    _check_service_desk(by=by, action="reactivate an organisation")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_active:
        raise AccountError(f"{organisation} is already active.")
    organisation.is_active = True
    organisation.save(update_fields=["is_active"])
    account_event_record(
        kind=AccountEventKind.ORGANISATION_REACTIVATED,
        actor=by,
        organisation=organisation,
        ip_address=ip_address,
    )


@transaction.atomic
def user_admin_access_set(
    *,
    by: User,
    user: User,
    is_staff: bool,
    is_superuser: bool,
    ip_address: str | None = None,
) -> None:
    """Give or take the Django admin (staff) and superuser status.

    Only a superuser of the service desk does it, and only a service admin can hold
    either (the same rule as `User.clean` and the table's check constraint).
    """
    if not (by.is_active and by.is_service_admin and by.is_superuser):
        raise AccountError("Only a superuser of the service desk can change admin access.")
    if (is_staff or is_superuser) and not user.is_service_admin:
        raise AccountError(ADMIN_ACCESS_NEEDS_SERVICE_ADMIN)
    if by.pk == user.pk and not (is_staff and is_superuser):
        raise AccountError("You cannot remove your own admin access; ask another superuser.")
    before = (user.is_staff, user.is_superuser)
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    admin_access_changes_record(
        actor=by, user=user, before=before, ip_address=ip_address, how="by a superuser"
    )


def admin_access_changes_record(
    *, actor: User, user: User, before: tuple[bool, bool], ip_address: str | None, how: str
) -> None:
    """One event per change of staff or superuser status (the Django admin's user form
    saves these flags itself; it calls this after saving)."""
    changes = (
        (before[0], user.is_staff, AccountEventKind.STAFF_GRANTED, AccountEventKind.STAFF_REMOVED),
        (
            before[1],
            user.is_superuser,
            AccountEventKind.SUPERUSER_GRANTED,
            AccountEventKind.SUPERUSER_REMOVED,
        ),
    )
    for was, now, granted, removed in changes:
        if was != now:
            account_event_record(
                kind=granted if now else removed,
                actor=actor,
                subject=user,
                ip_address=ip_address,
                detail=how,
            )


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End the user's sessions (all but `keep_session_key`); returns how many ended.

    allauth.usersessions records each session a user logs in with, which is what lets
    us find them in a session store keyed only by session key.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    ended = 0
    for user_session in UserSession.objects.filter(user=user):
        if keep_session_key and user_session.session_key == keep_session_key:
            continue
        if store.exists(user_session.session_key):
            store.delete(user_session.session_key)
            ended += 1
        user_session.delete()
    return ended


class ApiKeyError(Exception):
    """An API key cannot be created or revoked; the message says why."""


def api_key_create(
    *, organisation: Organisation, name: str, created_by: User
) -> tuple[OrganisationApiKey, str]:
    """A new key for the organisation; the key text is returned once and never stored.

    An organisation holds at most API_KEYS_PER_ORGANISATION active keys: each key has its
    own daily cap, so unlimited keys would mean an unlimited cap.
    """
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name, e.g. the system that will use it.")
    if len(name) > 50:
        raise ApiKeyError("A key name is at most 50 characters.")
    limit = settings.API_KEYS_PER_ORGANISATION
    with transaction.atomic():
        # One creation at a time per organisation, so two cannot both take the last place.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        usable = OrganisationApiKey.objects.filter(organisation=organisation, revoked=False)
        # Revoked keys keep their names in the list, but a name may be used again once the
        # key that had it no longer works.
        if usable.filter(name__iexact=name).exists():
            raise ApiKeyError(
                f"Your organisation already has a key called “{name}”: choose another name, "
                "or revoke that key first."
            )
        active = usable.filter(Q(expiry_date__isnull=True) | Q(expiry_date__gt=timezone.now()))
        if active.count() >= limit:
            raise ApiKeyError(
                f"Your organisation already has {limit:,} active API keys, the most it may "
                "hold. Revoke a key it no longer uses, then create the new one."
            )
        return OrganisationApiKey.objects.create_key(
            organisation=organisation, name=name, created_by=created_by
        )


@transaction.atomic
def api_key_revoke(*, api_key: OrganisationApiKey, revoked_by: User) -> OrganisationApiKey:
    """Revoke a key for good: requests with it are refused from now on."""
    api_key = OrganisationApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked:
        raise ApiKeyError(f"The key “{api_key.name}” was already revoked.")
    api_key.revoked = True
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = revoked_by
    api_key.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    return api_key


# --- Keeping an admin, deleting accounts, closing dormant ones ------------------------------


def _check_keeps_an_admin(*, user: User, action: str) -> None:
    """Refuse to leave an organisation without an active organisation admin."""
    if not (user.is_active and user.role == UserRole.ORGANISATION_ADMIN and user.organisation_id):
        return
    others = User.objects.filter(
        organisation_id=user.organisation_id,
        role=UserRole.ORGANISATION_ADMIN,
        is_active=True,
        deleted_at__isnull=True,
    ).exclude(pk=user.pk)
    if not others.exists():
        raise AccountError(
            f"{user.email} is the organisation's only active admin: make another user an "
            f"admin before you {action} this account."
        )


@transaction.atomic
def user_delete(*, by: User, user: User, ip_address: str | None = None) -> None:
    """Delete an account: the person's data is anonymised and the row kept.

    The row stays because audit rows (account events, searches, bulk searches) name it;
    they now name it by its anonymous id (`deleted-user-<id>`), and the e-mail copies in
    the account audit are overwritten with that id. The person's name, e-mail address,
    password, two-factor devices, sessions and allauth e-mail records go. IP addresses in
    the audit stay: they are the service's security record.
    """
    _check_may_manage(by=by, user=user)
    _check_not_self(by=by, user=user, action="delete")
    if user.deleted_at:
        raise AccountError("This account was already deleted.")
    if user.is_service_admin:
        raise AccountError("A service admin's account is deleted by the service desk.")
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_keeps_an_admin(user=user, action="delete")
    # Recorded first, so that its copy of the address is anonymised with the others.
    account_event_record(
        kind=AccountEventKind.DELETED, actor=by, subject=user, ip_address=ip_address
    )
    _account_anonymise(user)


def _account_anonymise(user: User) -> None:
    from allauth.account.models import EmailAddress

    email, anonymous = user.email, user.anonymous_id
    user_sessions_end(user=user)
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    user.email = f"{anonymous}@deleted.invalid"
    user.full_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.deleted_at = timezone.now()
    user.save(update_fields=["email", "full_name", "password", "is_active", "deleted_at"])
    # The audit keeps its rows; only the copies of the address become the anonymous id
    # (the one change the append-only trigger allows besides SET_NULL, core.audit).
    events = AccountEvent._base_manager
    events.filter(actor_email__iexact=email).update(actor_email=anonymous)
    events.filter(subject_email__iexact=email).update(subject_email=anonymous)


def dormant_accounts_close(*, now=None) -> dict[str, int]:
    """Warn, then close, accounts with no log-in for ACCOUNT_DORMANT_DAYS.

    Counted from the last log-in (or the invitation, for one never used). At
    ACCOUNT_DORMANT_DAYS - ACCOUNT_DORMANT_WARNING_DAYS the user and their organisation's
    admins are e-mailed; an account is closed (deactivated, sessions ended) only once
    it was warned at least ACCOUNT_DORMANT_WARNING_DAYS earlier, after its last log-in.
    The organisation's last active admin is warned but never closed. Service admins are
    left to the service desk. Idempotent: run it daily (beat) or as often as you like.
    """
    now = now or timezone.now()
    days = settings.ACCOUNT_DORMANT_DAYS
    warning = timedelta(days=settings.ACCOUNT_DORMANT_WARNING_DAYS)
    active = (
        User.objects.filter(is_active=True, deleted_at__isnull=True)
        .exclude(role=UserRole.SERVICE_ADMIN)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .select_related("organisation")
    )
    warn_before = now - timedelta(days=days) + warning
    to_warn = active.filter(last_seen__lt=warn_before).filter(
        Q(dormancy_warned_at__isnull=True) | Q(dormancy_warned_at__lt=F("last_seen"))
    )
    warned = closed = kept = 0
    for user in to_warn.iterator():
        _dormancy_warn(user, closes_on=user.last_seen + timedelta(days=days))
        warned += 1
    to_close = active.filter(
        last_seen__lt=now - timedelta(days=days),
        dormancy_warned_at__gte=F("last_seen"),
        dormancy_warned_at__lte=now - warning,
    )
    for user in to_close.iterator():
        try:
            _dormant_close(user.pk, days=days)
            closed += 1
        except AccountError:
            kept += 1
    return {"warned": warned, "closed": closed, "kept_last_admin": kept}


@transaction.atomic
def _dormancy_warn(user: User, *, closes_on) -> None:
    admins = User.objects.filter(
        organisation_id=user.organisation_id,
        role=UserRole.ORGANISATION_ADMIN,
        is_active=True,
        deleted_at__isnull=True,
    ).exclude(pk=user.pk)
    context = {"user": user, "organisation": user.organisation, "closes_on": closes_on}
    for to, template in [
        (user.email, "account/email/dormancy_warning"),
        *((admin.email, "account/email/dormancy_warning_admin") for admin in admins),
    ]:
        mail_send(template=template, to=to, context=context)
    user.dormancy_warned_at = timezone.now()
    user.save(update_fields=["dormancy_warned_at"])
    account_event_record(
        kind=AccountEventKind.DORMANCY_WARNED,
        subject=user,
        detail=f"closes on {closes_on:%Y-%m-%d} without a log-in",
    )


@transaction.atomic
def _dormant_close(user_id: int, *, days: int) -> None:
    user = User.objects.select_for_update().get(pk=user_id)
    if not user.is_active:
        return
    _check_keeps_an_admin(user=user, action="close")
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    account_event_record(
        kind=AccountEventKind.CLOSED_DORMANT, subject=user, detail=f"no log-in for {days} days"
    )
