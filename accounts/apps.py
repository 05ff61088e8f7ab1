from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations (market participants), their users, and account events."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the signal receivers)
