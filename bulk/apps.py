from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Bulk search: a list of MPAN cores, postcodes or serials looked up in the background,
    the result delivered through the report archive."""

    name = "bulk"
