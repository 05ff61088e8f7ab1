from django.apps import AppConfig


class ServiceStatusConfig(AppConfig):
    """Modes, cut-over windows, retired functions and broadcasts."""

    name = "service_status"
    verbose_name = "Service status"
