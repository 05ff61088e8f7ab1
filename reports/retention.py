"""How long a report stays downloadable: one setting, read here and nowhere else."""

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone


def report_available_until(*, created_at: datetime) -> datetime:
    """Creation plus REPORT_RETENTION_MONTHS calendar months, counted in UK time.

    Counting in local time keeps the wall-clock time across a clock change (a report
    made at 18:00 BST in June is available until 18:00 in September, and one made on
    30 November is available until the last day of February).
    """
    local = timezone.localtime(created_at)
    return local + relativedelta(months=settings.REPORT_RETENTION_MONTHS)
