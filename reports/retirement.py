"""Whether D0312 maintenance has been retired from this service, and since when.

For now the retirement time is the D0312_RETIRED_AT setting. The service-status work
brings the one retired-functions mechanism (`function_is_retired(name, at=None)` with a
record named RETIRED_FUNCTION_NAME); when it lands, only `d0312_retired_since` changes
to read it, and every caller (the registry's D0312 processing) stays as it is.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

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
    retired_at = settings.D0312_RETIRED_AT
    if retired_at is None:
        return None
    return retired_at if retired_at <= (at or timezone.now()) else None


def d0312_ensure_not_retired(*, at: datetime | None = None) -> None:
    """Raise D0312RetiredError when a D0312 file received at `at` must not be processed."""
    retired_at = d0312_retired_since(at=at)
    if retired_at is not None:
        raise D0312RetiredError(retired_at)
