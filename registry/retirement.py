"""Whether D0312 maintenance has been retired from this service, and since when.

The retirement itself lives in the service-status mechanism (a RetiredFunction record
or settings.SERVICE_RETIRED_FUNCTIONS, seeded by D0312_RETIRED_AT); this module only
words the rejection of a late D0312 file.
"""

from datetime import datetime

from django.utils import timezone

from service_status.queries import retired_function_or_none

# The name of this function in the service-status mechanism's retired-function records.
RETIRED_FUNCTION_NAME = "d0312_maintenance"


class D0312RetiredError(Exception):
    """A D0312 file arrived after D0312 maintenance was retired; the message says so."""

    def __init__(self, retired_at: datetime):
        self.retired_at = retired_at
        local = timezone.localtime(retired_at)
        super().__init__(
            f"D0312 maintenance has been retired from this service since {local:%H:%M} on "
            f"{local:%d/%m/%Y}: D0312 files are no longer processed here. Meter details "
            "are maintained through MPAS. Reports of D0312 files processed before then "
            "stay downloadable until each one expires."
        )


def d0312_retired_since(*, at: datetime | None = None) -> datetime | None:
    """The moment D0312 maintenance was retired, if that is at or before `at` (now)."""
    retirement = retired_function_or_none(RETIRED_FUNCTION_NAME, at)
    return retirement.retired_from if retirement else None


def d0312_ensure_not_retired(*, at: datetime | None = None) -> None:
    """Raise D0312RetiredError when a D0312 file received at `at` must not be processed."""
    retired_at = d0312_retired_since(at=at)
    if retired_at is not None:
        raise D0312RetiredError(retired_at)
