"""The portal's service functions, defined once.

A *service function* is a part of the portal that can be restricted during a cut-over
or retired for good: each one owns the URL path prefixes that belong to it. The
middleware in `service_status.middleware` maps every request path to one
function (the longest matching prefix wins), and the modes in `service_status.modes`
say which functions each mode allows.

Features that are not built yet own their prefixes here already, so that a request to
them is restricted or retired before URL resolution; when a feature lands, it adds or
corrects its prefixes in this one table and nowhere else.
"""

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ServiceFunction:
    name: str
    label: str
    prefixes: tuple[str, ...]
    # Paths that must answer in every mode: health probes, the status page, static files.
    always_available: bool = False


PRIMARY_SEARCH = "primary_search"
USER_MANAGEMENT = "user_management"
REPORTS = "reports"
BULK_SEARCH = "bulk_search"
EXTRACTS = "extracts"
FLOW_UPLOAD = "flow_upload"
D0312_MAINTENANCE = "d0312_maintenance"
ADMIN = "admin"
API_OTHER = "api_other"
HEALTH = "health"
SERVICE_STATUS = "service_status"
STATIC = "static"
OTHER = "other"

SERVICE_FUNCTIONS: tuple[ServiceFunction, ...] = (
    ServiceFunction(
        PRIMARY_SEARCH,
        "Primary search, results and metering-point detail",
        # "/" is matched exactly (see function_for_path), the rest by prefix.
        ("/", "/search/", "/metering-points/", "/api/v1/metering-points/"),
    ),
    ServiceFunction(
        USER_MANAGEMENT,
        "Log in, password reset and change, MFA, organisation user admin",
        ("/accounts/", "/organisation/", "/api/v1/organisation/"),
    ),
    ServiceFunction(REPORTS, "Reports and exports", ("/reports/", "/api/v1/reports/")),
    ServiceFunction(BULK_SEARCH, "Bulk search", ("/bulk/", "/api/v1/bulk-searches/")),
    # The SFTP service (its own process) refuses sessions only when offline: it is how
    # parties collect migration files during a restricted cut-over.
    ServiceFunction(EXTRACTS, "Extracts, SSH keys and SFTP files", ("/extracts/",)),
    ServiceFunction(FLOW_UPLOAD, "Flow upload", ("/flows/", "/api/v1/flows/")),
    ServiceFunction(
        D0312_MAINTENANCE,
        "D0312 meter information maintenance",
        ("/d0312/", "/flows/d0312/", "/api/v1/flows/d0312/", "/api/v1/d0312/"),
    ),
    ServiceFunction(ADMIN, "Service administration", ("/admin/",)),
    ServiceFunction(API_OTHER, "The rest of the API", ("/api/",)),
    ServiceFunction(HEALTH, "Health checks", ("/health/",), always_available=True),
    ServiceFunction(
        SERVICE_STATUS,
        "Service status page, feed and API",
        ("/service-status/", "/api/v1/service-status/"),
        always_available=True,
    ),
    ServiceFunction(STATIC, "Static files", ("/static/", "/favicon.ico"), always_available=True),
    ServiceFunction(OTHER, "Everything else", ()),
)

# Signing in and out: open in offline mode too (when SERVICE_STATUS_ADMINS_WHEN_OFFLINE
# is on), so that service admins can log in to run the service.
SIGN_IN_PREFIXES: tuple[str, ...] = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/authenticate/",
    "/admin/login/",
    "/admin/logout/",
)

FUNCTIONS_BY_NAME: dict[str, ServiceFunction] = {f.name: f for f in SERVICE_FUNCTIONS}

# Names an operator may retire: the always-available ones and the catch-alls cannot be.
RETIRABLE_FUNCTION_CHOICES: list[tuple[str, str]] = [
    (f.name, f.label)
    for f in SERVICE_FUNCTIONS
    if not f.always_available and f.name not in {OTHER, API_OTHER, ADMIN, USER_MANAGEMENT}
]


class UnknownServiceFunction(ValueError):
    def __init__(self, name: str):
        known = ", ".join(sorted(FUNCTIONS_BY_NAME))
        super().__init__(f"There is no service function called {name!r}. Known: {known}.")


def service_function(name: str) -> ServiceFunction:
    try:
        return FUNCTIONS_BY_NAME[name]
    except KeyError:
        raise UnknownServiceFunction(name) from None


@lru_cache(maxsize=1)
def _prefixes_longest_first() -> list[tuple[str, ServiceFunction]]:
    pairs = [(p, f) for f in SERVICE_FUNCTIONS for p in f.prefixes if p != "/"]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def function_for_path(path: str) -> ServiceFunction:
    """The function a request path belongs to: the longest prefix wins, else OTHER."""
    if path == "/":
        return FUNCTIONS_BY_NAME[PRIMARY_SEARCH]
    for prefix, function in _prefixes_longest_first():
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return function
    return FUNCTIONS_BY_NAME[OTHER]
