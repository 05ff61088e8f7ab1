from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Primary search, the metering-point detail, search audit and the REST API."""

    name = "search"
