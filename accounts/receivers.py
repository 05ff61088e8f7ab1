"""The account audit trail and session rules, fed by Django's and allauth's signals."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from accounts.models import AccountEventKind, User
from accounts.services import account_event_record, user_sessions_end
from accounts.sessions import session_login_stamp, session_two_factors_stamp
from core.http import client_ip
from core.text import count_noun


@receiver(auth_signals.user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    session_login_stamp(request)
    account_event_record(
        kind=AccountEventKind.LOGGED_IN, actor=user, subject=user, ip_address=client_ip(request)
    )


@receiver(auth_signals.user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is None or request is None or getattr(request, "accounts_session_expired", False):
        return
    account_event_record(
        kind=AccountEventKind.LOGGED_OUT, actor=user, subject=user, ip_address=client_ip(request)
    )


@receiver(auth_signals.user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials.get("email") or credentials.get("username") or "").lower()
    subject = User.objects.filter(email=email).first() if email else None
    account_event_record(
        kind=AccountEventKind.LOGIN_FAILED,
        subject=subject,
        subject_email=email,
        ip_address=client_ip(request),
        detail="" if subject else "no such account",
    )


def _end_other_sessions(request, user) -> int:
    keep = request.session.session_key if request is not None else None
    return user_sessions_end(user=user, keep_session_key=keep)


@receiver(account_signals.password_changed)
def on_password_changed(sender, request, user, **kwargs):
    ended = _end_other_sessions(request, user)
    account_event_record(
        kind=AccountEventKind.PASSWORD_CHANGED,
        actor=user,
        subject=user,
        ip_address=client_ip(request),
        detail=f"{count_noun(ended, 'other session')} ended",
    )


@receiver(account_signals.password_reset)
def on_password_reset(sender, request, user, **kwargs):
    # The person resetting is not logged in, so every session of the user ends.
    ended = user_sessions_end(user=user)
    account_event_record(
        kind=AccountEventKind.PASSWORD_RESET_COMPLETED,
        actor=user,
        subject=user,
        ip_address=client_ip(request),
        detail=f"{count_noun(ended, 'session')} ended",
    )


def _mfa_kind(authenticator: Authenticator, added: bool) -> AccountEventKind | None:
    if authenticator.type != Authenticator.Type.TOTP:
        return None  # recovery codes come and go with the authenticator app
    return AccountEventKind.MFA_ACTIVATED if added else AccountEventKind.MFA_DEACTIVATED


@receiver(mfa_signals.authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    kind = _mfa_kind(authenticator, added=True)
    if kind:
        # The user has just typed a code of the new authenticator: this session holds
        # both factors, as after a login with it.
        if request is not None:
            session_two_factors_stamp(request)
        account_event_record(kind=kind, actor=user, subject=user, ip_address=client_ip(request))


@receiver(account_signals.authentication_step_completed)
def on_authentication_step_completed(sender, request, method, user, **kwargs):
    if method == "mfa" and request is not None:
        session_two_factors_stamp(request)


@receiver(mfa_signals.authenticator_removed)
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    kind = _mfa_kind(authenticator, added=False)
    if kind:
        account_event_record(kind=kind, actor=user, subject=user, ip_address=client_ip(request))


@receiver(mfa_signals.authenticator_reset)
def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    account_event_record(
        kind=AccountEventKind.MFA_RECOVERY_CODES_REGENERATED,
        actor=user,
        subject=user,
        ip_address=client_ip(request),
    )


@receiver(mfa_signals.authentication_failed)
def on_mfa_failed(sender, request, user, **kwargs):
    account_event_record(
        kind=AccountEventKind.MFA_FAILED, subject=user, ip_address=client_ip(request)
    )
