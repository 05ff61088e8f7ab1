"""Writes to organisations, users and the account audit trail.

Every change an admin makes goes through one function here, which checks that the
admin may make it, makes it and records an AccountEvent in the same transaction.
"""

import smtplib
from importlib import import_module
from urllib.parse import urljoin

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.mail import mail_send
from accounts.models import AccountEvent, AccountEventKind, Organisation, OrganisationApiKey, User
from accounts.roles import ORGANISATION_ROLES, UserRole
from accounts.tokens import invite_token_make


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
) -> AccountEvent:
    """Append one line to the audit trail; the organisation defaults to the subject's."""
    if organisation is None:
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


def _invite_send(*, user: User, invited_by: User | None, link_base: str) -> None:
    path = reverse("account_invite_accept", kwargs={"token": invite_token_make(user=user)})
    try:
        mail_send(
            template="account/email/invite",
            to=user.email,
            context={
                "user": user,
                "organisation": user.organisation,
                "invited_by": invited_by,
                "invite_url": urljoin(link_base, path),
                "valid_hours": settings.ACCOUNT_INVITE_TIMEOUT // 3600,
            },
        )
    except (OSError, smtplib.SMTPException) as error:
        # Raised inside the caller's transaction, so the invitation is not kept either.
        raise AccountError(
            f"The invitation e-mail to {user.email} could not be sent ({error}); "
            "nothing was changed. Try again later."
        ) from error


def _user_create_invited(
    *, organisation: Organisation, email: str, full_name: str, role: str
) -> User:
    email = User.objects.normalize_email(email).strip().lower()
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
    link_base: str,
    ip_address: str | None = None,
) -> User:
    """Create a user in the admin's organisation and e-mail them a set-password link.

    The e-mail is sent inside the transaction: if it cannot be sent, no user is made
    and the admin sees the error, rather than an account nobody was told about.
    """
    _check_may_manage(by=by)
    if role not in ORGANISATION_ROLES:
        raise AccountError("An organisation admin can give the roles user or organisation admin.")
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
    _invite_send(user=user, invited_by=by, link_base=link_base)
    return user


@transaction.atomic
def user_invite_resend(
    *, by: User, user: User, link_base: str, ip_address: str | None = None
) -> None:
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
    _invite_send(user=user, invited_by=by, link_base=link_base)


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
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user=user)
    account_event_record(
        kind=AccountEventKind.DEACTIVATED,
        actor=by,
        subject=user,
        ip_address=ip_address,
        detail=f"{ended} session(s) ended",
    )


@transaction.atomic
def user_reactivate(*, by: User, user: User, ip_address: str | None = None) -> None:
    _check_may_manage(by=by, user=user)
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
    link_base: str,
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
    _invite_send(user=admin, invited_by=None, link_base=link_base)
    return organisation, admin


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
    """A new key for the organisation; the key text is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name, e.g. the system that will use it.")
    if len(name) > 50:
        raise ApiKeyError("A key name is at most 50 characters.")
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
