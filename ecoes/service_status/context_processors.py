import logging
from functools import cached_property

from ecoes import service_functions as sf
from ecoes.service_status import queries

logger = logging.getLogger(__name__)


class _Availability:
    """`{% if service_status.available.reports %}`: whether a function's links show."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, name: str) -> bool:
        if name not in sf.FUNCTIONS_BY_NAME:
            raise KeyError(name)
        try:
            return queries.function_available(name, user=self._user)
        except Exception:
            logger.exception("service status unknown for %s", name)
            return True


class ServiceStatusContext:
    """Lazy: nothing is read unless a template asks, and then from the cached snapshot."""

    def __init__(self, request):
        self._user = getattr(request, "user", None)

    @cached_property
    def state(self):
        return queries.mode_in_force()

    @cached_property
    def broadcast(self):
        return queries.banner_broadcast(user=self._user)

    @cached_property
    def announcements(self):
        return queries.window_announcements()

    @cached_property
    def available(self) -> _Availability:
        return _Availability(self._user)


def service_status(request):
    return {"service_status": ServiceStatusContext(request)}
