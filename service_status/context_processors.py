import logging
from functools import cached_property

from service_status import functions as sf
from service_status import policy, queries

logger = logging.getLogger(__name__)

# The functions users reach from the navigation, named in the banner when refused.
NAVIGATION_FUNCTIONS = (
    sf.PRIMARY_SEARCH,
    sf.EXPORTS,
    sf.USAGE_REPORTS,
    sf.REPORTS,
    sf.BULK_SEARCH,
    sf.FLOW_UPLOAD,
)


class _Availability:
    """`{% if service_status.available.reports %}`: whether a function's links show."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, name: str) -> bool:
        if name not in sf.FUNCTIONS_BY_NAME:
            raise KeyError(name)
        try:
            return policy.access(function=name, user=self._user).allowed
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

    @cached_property
    def refused(self) -> list[policy.Access]:
        """The navigation's functions this user cannot use now, for the mode banner."""

        def read():
            answers = [policy.access(function=n, user=self._user) for n in NAVIGATION_FUNCTIONS]
            return [a for a in answers if not a.allowed]

        return _or_default(read, [])


def service_status(request):
    return {"service_status": ServiceStatusContext(request)}
