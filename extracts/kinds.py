"""What an extract is and what starts one: defined here once, imported everywhere else."""

from django.db import models

from accounts.roles import MarketRole
from reports.kinds import ReportKind


class ExtractKind(models.TextChoices):
    PORTFOLIO = "portfolio", "Portfolio"
    METER_TECHNICAL_DETAILS = "meter_technical_details", "Meter technical details (D0312)"


class ExtractTrigger(models.TextChoices):
    ON_DEMAND = "on_demand", "On demand"
    WEEKLY = "weekly", "Weekly subscription"
    MIGRATION_RUN = "migration_run", "Migration run"


# The archive kind and file ending of each extract's file.
REPORT_KINDS = {
    ExtractKind.PORTFOLIO: ReportKind.PORTFOLIO,
    ExtractKind.METER_TECHNICAL_DETAILS: ReportKind.METER_TECHNICAL_DETAILS,
}
FILE_SUFFIXES = {
    ExtractKind.PORTFOLIO: "csv.gz",
    ExtractKind.METER_TECHNICAL_DETAILS: "txt",
}

# Meter technical details are the MOP's: only an organisation holding M gets them.
KIND_ROLES: dict[str, frozenset[str] | None] = {
    ExtractKind.PORTFOLIO: None,  # any role
    ExtractKind.METER_TECHNICAL_DETAILS: frozenset({MarketRole.METER_OPERATOR}),
}

# The search export's columns, then the agents and the meters in full.
PORTFOLIO_HEADER = (
    "MPAN core",
    "Address",
    "Postcode",
    "Supplier",
    "Supplier from",
    "Energisation status",
    "Profile class",
    "Meter serials",
    "Distributor",
    "MOP",
    "Data collector",
    "Data aggregator",
    "Meters",
)
