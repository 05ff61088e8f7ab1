import asyncio
import logging
import secrets
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import loadbench


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = (
        "Benchmark (not a test): start gunicorn with the production settings on loopback and"
        " drive N concurrent signed-in users across search, detail and reports for a bounded"
        " time; report status codes and latencies. Fails on any 5xx. Needs PostgreSQL and"
        " Redis (DATABASE_URL, REDIS_URL) and makes its own users and data there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--seconds", type=float, default=120)
        parser.add_argument("--metering-points", type=int, default=20_000, dest="points")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument("--log", default="var/bench-load-gunicorn.log")

    def handle(self, *args, users, seconds, points, workers, threads, log, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark makes users and data; never in production.")
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError(
                "Set DATABASE_URL (PostgreSQL) and REDIS_URL: production runs on both."
            )
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
        secret_key = secrets.token_urlsafe(50)
        self.stdout.write(f"preparing {users} users and {points:,} metering points ...")
        data = loadbench.data_prepare(users=users, points=points, secret_key=secret_key)
        port = _free_port()
        log_path = settings.BASE_DIR / log
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"gunicorn: {workers} workers x {threads} threads on 127.0.0.1:{port}")
        server = loadbench.server_start(
            port=port, workers=workers, threads=threads, secret_key=secret_key, log=log_path
        )
        try:
            self.stdout.write(f"{users} users for {seconds:.0f} s ...")
            started = time.monotonic()
            results = asyncio.run(
                loadbench.load_run(
                    base=f"http://127.0.0.1:{port}", data=data, users=users, seconds=seconds
                )
            )
            elapsed = time.monotonic() - started
        finally:
            loadbench.server_stop(server)
        for line in loadbench.report_lines(results, seconds=elapsed):
            self.stdout.write(line)
        if results.errors:
            self.stdout.write(f"transport errors: {dict(results.errors)}")
        if results.server_errors:
            raise CommandError(f"{results.server_errors} requests failed (5xx or no answer).")
        self.stdout.write(self.style.SUCCESS("no 5xx"))
