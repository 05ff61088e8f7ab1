import logging

from service_status import policy
from service_status.responses import refused_response

logger = logging.getLogger(__name__)


class ServiceStatusMiddleware:
    """Ask the access policy about every request, before URL resolution.

    Must come after AuthenticationMiddleware: service admins keep the admin in restricted
    (and, if allowed, offline) mode. The user is only loaded when the policy needs it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            decision = policy.access(path=request.path_info, user=getattr(request, "user", None))
        except Exception:
            logger.exception("service status unknown: letting %s through", request.path_info)
            return self.get_response(request)
        if decision.allowed:
            return self.get_response(request)
        return refused_response(request, decision)
