import logging

from django.utils import timezone

from service_status.queries import access_decision
from service_status.responses import retired_response, unavailable_response

logger = logging.getLogger(__name__)


class ServiceStatusMiddleware:
    """Apply the mode in force and the retirements to every request, before URL resolution.

    Must come after AuthenticationMiddleware: service admins keep the admin in restricted
    (and, if allowed, offline) mode. The user is only loaded for admin paths.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        at = timezone.now()
        try:
            decision = access_decision(
                path=request.path_info, user=getattr(request, "user", None), at=at
            )
        except Exception:
            logger.exception("service status unknown: letting %s through", request.path_info)
            return self.get_response(request)
        if decision.allowed:
            return self.get_response(request)
        if decision.status == 410:
            return retired_response(request, decision)
        return unavailable_response(request, decision, at)
