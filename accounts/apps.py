from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations (market participants), their users, and account events."""

    name = "accounts"
    verbose_name = "Accounts"
