"""The processing report of a D0312 file: its rows and wording, fed into the generic
report archive (reports.services.report_create)."""

from collections.abc import Iterable

from django.db import models

from accounts.models import Organisation
from reports.kinds import ReportKind
from reports.models import Report
from reports.services import ReportError, report_create


class D0312Outcome(models.TextChoices):
    """What happened to one record of a D0312 file, as written in its processing report."""

    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


D0312_REPORT_HEADER = ("MPAN core", "Meter serial", "Outcome", "Reason")


def report_create_d0312_processing(
    *,
    organisation: Organisation,
    flow_file_name: str,
    outcomes: Iterable[tuple[str, str, str, str]],
) -> Report:
    """The processing report of one D0312 file, owned by the sending MOP's organisation.

    `outcomes` yields (MPAN core, meter serial, "accepted" or "rejected", reason) per
    record of the file, in file order.
    """

    def rows():
        for mpan_core, meter_serial, outcome, reason in outcomes:
            try:
                outcome = D0312Outcome(outcome)
            except ValueError:
                raise ReportError(
                    f"A D0312 outcome must be one of {', '.join(D0312Outcome.values)}, "
                    f"not {outcome!r}."
                ) from None
            yield (mpan_core, meter_serial, outcome.value, reason or "")

    return report_create(
        organisation=organisation,
        kind=ReportKind.D0312_PROCESSING,
        title=f"D0312 processing report for {flow_file_name}",
        rows_header=D0312_REPORT_HEADER,
        rows=rows(),
    )
