from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """Metering points, meters and related MPANs, filled only by DTC flow files."""

    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_functions_add, dispatch_uid="registry_sqlite")


def _sqlite_functions_add(sender, connection, **kwargs) -> None:
    """SQLite has no text search: the address search scans with LIKE over the address
    words as registry.addresses cuts them, through this function (so both databases
    cut words the same way)."""
    if connection.vendor != "sqlite":
        return
    from registry.addresses import address_text

    connection.connection.create_function(
        "ecoes_address_text", 10, lambda *columns: address_text(columns), deterministic=True
    )
