"""The kinds of report the archive holds: defined here once, imported everywhere else."""

from django.db import models


class ReportKind(models.TextChoices):
    D0312_PROCESSING = "d0312_processing", "D0312 processing report"
    BULK_SEARCH = "bulk_search", "Bulk search result"
    PORTFOLIO = "portfolio", "Portfolio extract"
    METER_TECHNICAL_DETAILS = "meter_technical_details", "Meter technical details (D0312)"


class DownloadChannel(models.TextChoices):
    """How a report left the archive."""

    WEB = "web", "Web"
    API = "api", "API"
    SFTP = "sftp", "SFTP"
