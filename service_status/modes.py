"""The service modes and what each one lets through: defined here once.

The access policy (`service_status.policy`) reads these tables; nothing else does.
"""

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

# What a mode lets through for everyone, besides the always-available functions (health,
# the status page, static files). The 2019 notice: when restricted, only "Primary Search
# and Results" and "User Management" (which includes logging in) work; when offline, the
# service is "not available to any users".
ALLOWED_FUNCTIONS: dict[str, frozenset[str] | None] = {
    ServiceMode.NORMAL: None,  # everything
    ServiceMode.RESTRICTED: frozenset({sf.PRIMARY_SEARCH, sf.SIGN_IN, sf.USER_MANAGEMENT}),
    ServiceMode.OFFLINE: frozenset(),
}

# What a mode also lets through for service admins, who run the cut-over. In offline
# mode only while the setting SERVICE_STATUS_ADMINS_WHEN_OFFLINE is on; logging in is
# then open to anonymous visitors too, since nobody is known before they log in (the
# login itself refuses everyone but service admins).
SERVICE_ADMIN_FUNCTIONS: dict[str, frozenset[str]] = {
    ServiceMode.NORMAL: frozenset(),
    ServiceMode.RESTRICTED: frozenset({sf.ADMIN}),
    ServiceMode.OFFLINE: frozenset({sf.ADMIN, sf.SIGN_IN}),
}

DESCRIPTIONS: dict[str, str] = {
    ServiceMode.NORMAL: "All functions are available.",
    ServiceMode.RESTRICTED: (
        "Only primary search (results and metering-point detail) and user management "
        "(log in, password reset and change, account management) are available."
    ),
    ServiceMode.OFFLINE: "The service is offline for all users.",
}
