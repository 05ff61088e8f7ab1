"""The portal's service functions, defined once.

A *service function* is a part of the portal that can be restricted during a cut-over
or retired for good: each one owns the URL path prefixes that belong to it. Every path
belongs to one function, the one with the longest matching prefix; the access policy
(`service_status.policy`) says what each function does in each mode.

Every URL the portal serves must belong to a function other than OTHER, and every
prefix here must match a URL: `tests/service_status/test_service_functions.py`
walks the URL resolver and says what to add when a new URL is not covered.
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
    # Whether an operator may retire it for good (features, not the plumbing).
    retirable: bool = True


PRIMARY_SEARCH = "primary_search"
SIGN_IN = "sign_in"
USER_MANAGEMENT = "user_management"
EXPORTS = "exports"
USAGE_REPORTS = "usage_reports"
REPORTS = "reports"
BULK_SEARCH = "bulk_search"
EXTRACTS = "extracts"
FLOW_UPLOAD = "flow_upload"
D0312_MAINTENANCE = "d0312_maintenance"
ADMIN = "admin"
API_DOCS = "api_docs"
HEALTH = "health"
SERVICE_STATUS = "service_status"
STATIC = "static"
OTHER = "other"

SERVICE_FUNCTIONS: tuple[ServiceFunction, ...] = (
    ServiceFunction(
        PRIMARY_SEARCH,
        "Primary search, results and metering-point detail",
        # "/" is matched exactly (see function_for_path), the rest by prefix. The search's
        # export and usage pages under /search/ are functions of their own (below).
        ("/", "/search/", "/metering-points/", "/api/v1/metering-points/"),
    ),
    ServiceFunction(
        SIGN_IN,
        "Log in and out",
        (
            "/accounts/login/",
            "/accounts/logout/",
            "/accounts/2fa/authenticate/",
            "/admin/login/",
            "/admin/logout/",
        ),
        retirable=False,
    ),
    ServiceFunction(
        USER_MANAGEMENT,
        # API keys are the credentials of organisations' systems: managing them is
        # managing who may use the service, so it stays open when restricted.
        "Password reset and change, MFA, organisation user and API-key admin",
        ("/accounts/", "/organisation/"),
        retirable=False,
    ),
    ServiceFunction(EXPORTS, "Export of search results", ("/search/export.csv",)),
    ServiceFunction(USAGE_REPORTS, "Usage reports", ("/search/usage/",)),
    ServiceFunction(REPORTS, "Reports", ("/reports/", "/api/v1/reports/")),
    ServiceFunction(BULK_SEARCH, "Bulk search", ("/bulk/", "/api/v1/bulk-searches/")),
    # The SFTP service (its own process) refuses sessions only when offline: it is how
    # parties collect migration files during a restricted cut-over.
    ServiceFunction(EXTRACTS, "Extracts, SSH keys and SFTP files", ("/extracts/",)),
    ServiceFunction(FLOW_UPLOAD, "Flow upload", ("/flows/", "/api/v1/flows/")),
    # D0312 files arrive through flow upload, so this function owns no path: the registry
    # asks whether it is retired (`retired_function_or_none`) before it processes a D0312.
    ServiceFunction(D0312_MAINTENANCE, "D0312 meter information maintenance", ()),
    ServiceFunction(ADMIN, "Service administration", ("/admin/",), retirable=False),
    ServiceFunction(API_DOCS, "API description (schema and docs)", ("/api/schema/", "/api/docs/")),
    ServiceFunction(HEALTH, "Health checks", ("/health/",), always_available=True, retirable=False),
    ServiceFunction(
        SERVICE_STATUS,
        "Service status page, feed and API",
        ("/service-status/", "/api/v1/service-status/"),
        always_available=True,
        retirable=False,
    ),
    # Served by WhiteNoise before URL resolution, so no URL pattern stands behind it.
    ServiceFunction(STATIC, "Static files", ("/static/",), always_available=True, retirable=False),
    # Paths no URL serves (a 404): refused like any feature when the service is restricted.
    ServiceFunction(OTHER, "Everything else", (), retirable=False),
)

FUNCTIONS_BY_NAME: dict[str, ServiceFunction] = {f.name: f for f in SERVICE_FUNCTIONS}

RETIRABLE_FUNCTION_CHOICES: list[tuple[str, str]] = [
    (f.name, f.label) for f in SERVICE_FUNCTIONS if f.retirable
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
