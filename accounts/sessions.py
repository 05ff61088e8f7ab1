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
