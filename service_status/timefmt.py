"""How service-status times are written for people: UK time, the 2019 broadcasts' style."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format


def uk_time(moment: datetime) -> str:
    """'18:00 Thu 27 June' (Europe/London, the project's TIME_ZONE)."""
    return date_format(timezone.localtime(moment), "H:i D j F")


def uk_stamp(moment: datetime) -> str:
    """'28/06/2019 18:51', as in the timestamped updates of a broadcast."""
    return date_format(timezone.localtime(moment), "d/m/Y H:i")


def uk_period(starts_at: datetime, ends_at: datetime | None) -> str:
    if ends_at is None:
        return f"from {uk_time(starts_at)} until further notice"
    return f"from {uk_time(starts_at)} to {uk_time(ends_at)}"


def iso_uk(moment: datetime | None) -> str | None:
    """ISO 8601 in UK time, e.g. '2019-06-29T08:00:00+01:00', for the API."""
    return timezone.localtime(moment).isoformat() if moment is not None else None
