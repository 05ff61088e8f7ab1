"""Invitation links: signed, expiring and good for one use.

Django's password-reset token cannot tell "expired" from "already used", and its
lifetime (PASSWORD_RESET_TIMEOUT, one hour) is too short for an invitation. This
token is signed with the secret key, carries its own timestamp (checked against
ACCOUNT_INVITE_TIMEOUT) and a fingerprint of the stored password, which changes as
soon as the invitee sets a password, so a used link stops working.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

SALT = "accounts.invite"


class InviteLinkError(Exception):
    """An invitation link that cannot be used; the message says why."""


def _password_fingerprint(user: User) -> str:
    return salted_hmac(SALT, user.password, algorithm="sha256").hexdigest()[:20]


def invite_token_make(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "p": _password_fingerprint(user)}, salt=SALT)


def invite_token_user(*, token: str) -> User:
    """The invited user the token names, or InviteLinkError with a reason."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ACCOUNT_INVITE_TIMEOUT)
    except signing.SignatureExpired as error:
        raise InviteLinkError(
            "This invitation link has expired. Ask your organisation's admin to send a new one."
        ) from error
    except signing.BadSignature as error:
        raise InviteLinkError(
            "This invitation link is not valid. Copy the whole link from the e-mail."
        ) from error
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or not user.is_active:
        raise InviteLinkError("This invitation has been withdrawn. Ask your organisation's admin.")
    if user.has_usable_password() or not constant_time_compare(
        data.get("p", ""), _password_fingerprint(user)
    ):
        raise InviteLinkError(
            "This invitation link has already been used. Log in with your e-mail address "
            "and password, or use 'Forgotten your password?'."
        )
    return user
