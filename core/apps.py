from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure: the API error shape, audit tables, cache, HTTP helpers,
    throttles, health checks, the home page and Celery housekeeping. No models."""

    name = "core"
    verbose_name = "Core"
