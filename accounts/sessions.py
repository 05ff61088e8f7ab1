"""What the portal keeps in a logged-in session, beside Django's and allauth's keys."""

import time

LOGIN_AT = "accounts.login_at"
LAST_SEEN = "accounts.last_seen"


def session_login_stamp(request) -> None:
    """Called at login: the start of the session's 12 hours and of its idle clock."""
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now


def session_login_at(request) -> float | None:
    """When this session logged in (Unix time), if it did."""
    return request.session.get(LOGIN_AT)


# When this session last proved a second factor: at a login with the authenticator app
# (or a recovery code), or by typing a code while setting one up.
TWO_FACTORS_AT = "accounts.two_factors_at"


def session_two_factors_stamp(request) -> None:
    request.session[TWO_FACTORS_AT] = time.time()


def session_has_two_factors(request) -> bool:
    """Did this session log in (or set up its authenticator) with a second factor?"""
    return request.session.get(TWO_FACTORS_AT) is not None


def session_is_service_desk(request) -> bool:
    """An active service admin whose session proved two factors: who may use the Django
    admin and see the readiness checks' detail."""
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_service_admin
        and session_has_two_factors(request)
    )
