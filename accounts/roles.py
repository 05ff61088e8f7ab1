"""Market role codes and portal roles: defined here once, imported everywhere else."""

from django.db import models


class MarketRole(models.TextChoices):
    """Market role codes of a market participant (an MPID may hold several)."""

    SUPPLIER = "X", "Supplier"
    DISTRIBUTOR = "R", "Distributor"
    METER_OPERATOR = "M", "Meter operator (MOP)"
    HH_DATA_COLLECTOR = "C", "Half-hourly data collector"
    NHH_DATA_COLLECTOR = "D", "Non-half-hourly data collector"
    # Not a BSC market role: this project's code for the service operator.
    OPERATOR = "Z", "Enquiry service operator"


class UserRole(models.TextChoices):
    """What a person may do in the portal."""

    USER = "user", "User"
    ORGANISATION_ADMIN = "org_admin", "Organisation admin"
    SERVICE_ADMIN = "service_admin", "Service admin"


# The roles an organisation admin may give within their own organisation; service
# admins are made by the service desk (Django admin or `manage.py createsuperuser`).
ORGANISATION_ROLES = [UserRole.USER, UserRole.ORGANISATION_ADMIN]
