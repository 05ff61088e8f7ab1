from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Primary search, the metering-point detail, search audit and the REST API."""

    name = "search"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.models import Organisation
        from search.data_items import role_codes_forget

        # A change of roles applies at once in this process (others: ROLE_CODES_SECONDS).
        post_save.connect(
            lambda **kwargs: role_codes_forget(),
            sender=Organisation,
            weak=False,
            dispatch_uid="search_role_codes_forget",
        )
