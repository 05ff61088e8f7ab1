import logging
from functools import cached_property

from service_status import functions as sf
from service_status import queries

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


def _or_default(read, default):
    """A page must render even when the status cannot be read: no banner, not a 500."""
    try:
        return read()
    except Exception:
        logger.exception("service status could not be read for the banners")
        return default


class ServiceStatusContext:
    """Lazy: nothing is read unless a template asks, and then from the cached snapshot."""

    def __init__(self, request):
        self._user = getattr(request, "user", None)

    @cached_property
    def state(self):
        return _or_default(queries.mode_in_force, None)

    @cached_property
    def broadcast(self):
        return _or_default(lambda: queries.banner_broadcast(user=self._user), None)

    @cached_property
    def announcements(self):
        return _or_default(queries.window_announcements, [])

    @cached_property
    def available(self) -> _Availability:
        return _Availability(self._user)


def service_status(request):
    return {"service_status": ServiceStatusContext(request)}
