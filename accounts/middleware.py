"""Session lifetime and the two-factor requirement, applied to every request."""

import time
from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import AccountEventKind
from accounts.queries import user_has_mfa, user_requires_mfa
from accounts.services import account_event_record
from accounts.sessions import LAST_SEEN, LOGIN_AT, session_login_stamp
from core.http import client_ip
from core.text import count_noun

# last-seen is written at most this often, so not every request writes the session.
LAST_SEEN_RESOLUTION = 15


class SessionTimeoutMiddleware:
    """Log a user out after 30 minutes idle or 12 hours after login, or at once when
    their organisation has been deactivated, with a message.

    Django's session expiry alone would drop the session silently and could not tell
    the two limits apart; this records the login time and the last request in the
    session. The cookie itself lasts until the browser closes (allauth, with
    ACCOUNT_SESSION_REMEMBER off) and the stored session at most SESSION_COOKIE_AGE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._organisation_inactive(request.user):
            # Deactivation ends these sessions at once (organisation_deactivate); one
            # that escaped it (a login racing with it) ends here.
            account_event_record(
                kind=AccountEventKind.SESSION_EXPIRED,
                actor=request.user,
                subject=request.user,
                ip_address=client_ip(request),
                detail="organisation deactivated",
            )
            request.accounts_session_expired = True
            logout(request)
            messages.error(
                request,
                "You have been logged out: your organisation has been deactivated in this "
                "service. Contact the service desk if you think this is a mistake.",
            )
            return redirect_to_login(request.get_full_path())
        if request.user.is_authenticated:
            expired = self._expired_because(request)
            if expired:
                account_event_record(
                    kind=AccountEventKind.SESSION_EXPIRED,
                    actor=request.user,
                    subject=request.user,
                    ip_address=client_ip(request),
                    detail=expired,
                )
                request.accounts_session_expired = True
                logout(request)
                messages.info(request, f"You have been logged out: {expired}. Please log in again.")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _organisation_inactive(user) -> bool:
        # The organisation is loaded once per request anyway (the MFA rule reads it).
        return bool(user.organisation_id and not user.organisation.is_active)

    def _expired_because(self, request) -> str | None:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        if login_at is None:  # a session from before this middleware: start the clock now
            session_login_stamp(request)
            return None
        if now - login_at > settings.ACCOUNT_SESSION_ABSOLUTE_TIMEOUT:
            hours = settings.ACCOUNT_SESSION_ABSOLUTE_TIMEOUT // 3600
            return f"a session lasts at most {count_noun(hours, 'hour')}"
        if now - session.get(LAST_SEEN, login_at) > settings.ACCOUNT_SESSION_IDLE_TIMEOUT:
            minutes = settings.ACCOUNT_SESSION_IDLE_TIMEOUT // 60
            return f"no activity for {count_noun(minutes, 'minute')}"
        if now - session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now
        return None


class MFARequiredMiddleware:
    """Users who must use two-factor authentication can only set it up until they have.

    Logging out, the two-factor pages (and allauth's re-authentication, which they may
    ask for), static files and health checks stay open; every other page redirects to
    the authenticator set-up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("account_session_keep_alive"),
            reverse("health-live"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.open_prefixes)
            and user_requires_mfa(user=user)
            and not user_has_mfa(user=user)
        ):
            messages.warning(
                request,
                "Your account must use two-factor authentication. Set up an authenticator "
                "app to continue.",
            )
            return redirect("mfa_activate_totp")
        if user.is_authenticated and request.path.startswith(reverse("mfa_index")):
            # The two-factor pages show only themselves and "Log out" in the navigation
            # while set-up is pending (templates/base.html).
            request.mfa_setup_pending = user_requires_mfa(user=user) and not user_has_mfa(user=user)
        return self.get_response(request)
