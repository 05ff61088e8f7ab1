"""Helpers shared by the service_mode and service_window commands."""

import getpass
from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def parse_uk_datetime(value: str) -> datetime:
    """'2019-06-27 18:00' in UK time, or an ISO 8601 time with an offset."""
    moment = parse_datetime(value.strip().replace("T", " "))
    if moment is None:
        raise CommandError(f"{value!r} is not a date and time; use e.g. '2019-06-27 18:00'.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # TIME_ZONE is Europe/London
    return moment


def command_line_actor(by: str | None) -> str:
    person = by or getpass.getuser()
    return f"{person} (command line)"
