import os
import resource

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.extracts import bench_extract, bench_points_load, bench_raw_copy


class Command(BaseCommand):
    help = "Time a portfolio extract of N points against a raw COPY of the same rows."

    def add_arguments(self, parser):
        parser.add_argument("--points", type=int, default=100_000)
        parser.add_argument("--gzip-level", type=int, default=settings.EXTRACT_GZIP_LEVEL)

    def handle(self, *args, points, gzip_level, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The extract benchmark needs PostgreSQL (DATABASE_URL).")
        settings.EXTRACT_GZIP_LEVEL = gzip_level
        self.stdout.write(f"load average at start: {os.getloadavg()}")
        bench_points_load(points=points)
        start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        baselines = bench_raw_copy()
        extract, peak = bench_extract()
        for timing in (*baselines, extract):
            self.stdout.write(
                f"{timing.label}: {timing.rows:,} rows in {timing.seconds:.2f} s "
                f"({timing.rows_per_second:,.0f} rows/s, {timing.bytes / 2**20:,.1f} MiB)"
            )
        for baseline in baselines:
            ratio = extract.rows_per_second / baseline.rows_per_second
            self.stdout.write(f"extract rate / {baseline.label}: {ratio:.2f}")
        self.stdout.write(
            f"gzip level {gzip_level}; peak RSS of this process {peak / 1024:,.0f} MiB "
            f"({start_rss / 1024:,.0f} MiB before the COPYs and the extract)"
        )
        self.stdout.write(f"load average at end: {os.getloadavg()}")
