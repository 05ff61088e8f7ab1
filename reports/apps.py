from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The archive of downloadable reports and its three-month retention."""

    name = "reports"
