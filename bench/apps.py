from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks, synthetic data and the demo data: installed in development only
    (settings add it when DJANGO_ENV is not production); product code never imports it."""

    name = "bench"
    verbose_name = "Benchmarks and demo data"
