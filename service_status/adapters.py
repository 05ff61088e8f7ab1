"""The login, as the service status sees it.

The accounts app's adapter does the accounts' part; this one adds the access policy's
say over who may log in (accounts sit below the service status, so the hook lives here).
"""

import logging

from accounts.adapters import AccountAdapter
from service_status import functions as sf
from service_status.policy import access
from service_status.responses import refused_response

logger = logging.getLogger(__name__)


class ServiceStatusAccountAdapter(AccountAdapter):
    def pre_login(self, request, user, **kwargs):
        # The login page is open to everyone while offline (nobody is known before they
        # log in); the access policy now knows who it is. Anyone it refuses (everyone but
        # service admins, while offline) gets the offline page and no session: what the
        # password check put in the session is dropped with any anonymous session.
        try:
            decision = access(function=sf.SIGN_IN, user=user)
        except Exception:
            logger.exception("service status unknown: letting %s log in", user.pk)
        else:
            if not decision.allowed:
                request.session.flush()
                return refused_response(request, decision)
        return super().pre_login(request, user, **kwargs)
