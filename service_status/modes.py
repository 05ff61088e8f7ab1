"""The service modes and what each one allows: defined here once."""

from django.db import models

from service_status import functions as sf


class ServiceMode(models.TextChoices):
    NORMAL = "normal", "Normal"
    RESTRICTED = "restricted", "Restricted"
    OFFLINE = "offline", "Offline"


# Higher is more restrictive; when windows overlap the most restrictive one is in force.
SEVERITY: dict[str, int] = {
    ServiceMode.NORMAL: 0,
    ServiceMode.RESTRICTED: 1,
    ServiceMode.OFFLINE: 2,
}

# What a mode lets through, besides the always-available functions (health, the status
# page, static files). The admin is handled apart: service admins keep it in restricted
# mode, and in offline mode when the setting SERVICE_STATUS_ADMINS_WHEN_OFFLINE allows.
ALLOWED_FUNCTIONS: dict[str, frozenset[str] | None] = {
    ServiceMode.NORMAL: None,  # everything
    ServiceMode.RESTRICTED: frozenset({sf.PRIMARY_SEARCH, sf.USER_MANAGEMENT}),
    ServiceMode.OFFLINE: frozenset(),
}

DESCRIPTIONS: dict[str, str] = {
    ServiceMode.NORMAL: "All functions are available.",
    ServiceMode.RESTRICTED: (
        "Only primary search (results and metering-point detail) and user management "
        "(log in, password reset and change, account management) are available."
    ),
    ServiceMode.OFFLINE: "The service is offline for all users.",
}


def most_restrictive(modes) -> str:
    return max(modes, key=SEVERITY.__getitem__, default=ServiceMode.NORMAL)


def mode_allows(mode: str, function_name: str) -> bool:
    if sf.service_function(function_name).always_available:
        return True
    allowed = ALLOWED_FUNCTIONS[mode]
    return allowed is None or function_name in allowed
