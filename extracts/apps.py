from django.apps import AppConfig


class ExtractsConfig(AppConfig):
    """Party extracts (portfolio, meter technical details), migration runs, and their
    delivery over SFTP (`manage.py sftp_server`) with the SSH keys registered here."""

    name = "extracts"

    def ready(self):
        from extracts import receivers  # noqa: F401  (connects the signal receivers)
