from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """Metering points, meters and related MPANs, filled only by DTC flow files."""

    name = "registry"
    verbose_name = "Registry"
