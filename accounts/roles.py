"""Market role codes and portal roles: defined here once, imported everywhere else."""

from django.db import models


class MarketRole(models.TextChoices):
    """Market role codes of a market participant (an MPID may hold several)."""

    SUPPLIER = "X", "Supplier"
    DISTRIBUTOR = "R", "Distributor"
    METER_OPERATOR = "M", "Meter operator (MOP)"
    HH_DATA_COLLECTOR = "C", "Half-hourly data collector"
    NHH_DATA_COLLECTOR = "D", "Non-half-hourly data collector"
    # The owner of the meters a MOP installs (a MAP id in D0312 and D0204 R04). "A" is
    # this project's letter: BSC Market Domain Data has no MAP role code that we could
    # confirm, as MAPs are not BSC parties. A MAP sees fewer data items than the other
    # roles (search.data_items).
    METER_ASSET_PROVIDER = "A", "Meter asset provider (MAP)"
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
