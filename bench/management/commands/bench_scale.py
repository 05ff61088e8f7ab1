from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.scale import Figures, bench_scale_run


class Command(BaseCommand):
    help = (
        "Benchmark (not a test; it empties the registry): generate N metering points as"
        " D0204 files, ingest them through the service, serve the portal with production"
        " settings (gunicorn) and drive it with wrk, measure the floors (raw COPY,"
        " pgbench) and print every figure with its ratio. Needs PostgreSQL, Redis, wrk"
        " and pgbench; see docs/performance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metering-points", type=int, default=32_000_000, dest="count")
        parser.add_argument("--work-dir", type=Path, default=None)
        parser.add_argument("--seconds", type=int, default=20, help="per load run")
        parser.add_argument("--port", type=int, default=8321)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument(
            "--keep-data", action="store_true", help="keep the generated files for another run"
        )
        parser.add_argument(
            "--load-only",
            action="store_true",
            help="keep the loaded registry: measure pgbench and the portal under load only",
        )
        parser.add_argument(
            "--before",
            type=Path,
            default=None,
            dest="before_dir",
            help="also serve and measure this earlier code first (a `git archive` export)",
        )

    def handle(
        self,
        *args,
        count,
        work_dir,
        seconds,
        port,
        workers,
        keep_data,
        load_only,
        before_dir,
        **options,
    ):
        if settings.PRODUCTION:
            raise CommandError("The benchmark empties the registry; never in production.")
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("The benchmark needs DATABASE_URL (PostgreSQL) and REDIS_URL.")
        bench_scale_run(
            count=count,
            work_dir=work_dir or settings.VAR_DIR / "bench-scale",
            seconds=seconds,
            port=port,
            workers=workers,
            keep_data=keep_data,
            load_only=load_only,
            before_dir=before_dir,
            figures=Figures(out=self.stdout),
        )
