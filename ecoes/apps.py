from django.apps import AppConfig


class EcoesConfig(AppConfig):
    """Service-wide pieces: health checks, the home page, Celery housekeeping, service status."""

    name = "ecoes"
    verbose_name = "Service"
