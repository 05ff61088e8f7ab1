"""The load benchmark (`manage.py bench_load`): many signed-in users against gunicorn.

Not a test: it needs PostgreSQL and Redis, starts gunicorn with the production settings
on loopback, and drives N concurrent users (asyncio + httpx, closed loop, no think time)
for a bounded time across search, metering-point detail and the reports screen and
downloads. It reports status codes and latencies per kind of request; any 5xx or
transport error is a failure.

The data is made once in the benchmark database (a selective D0204 through the real
ingest, reports through the real service); each user is a real account with a session
made here and signed with the same secret key as the server's.
"""

import asyncio
import io
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import Organisation, User
from accounts.roles import MarketRole
from bench.generate import metering_points, refresh_write
from registry.models import FlowFileChannel, MeteringPoint
from registry.services import flow_file_process, flow_file_receive
from reports.kinds import ReportKind
from reports.models import Report
from reports.services import report_create

BENCH_MPID = "BNCH"
SESSION_COOKIE = "__Host-sessionid"  # the production name
# What the users do, and how often (weights).
MIX = {"search": 50, "detail": 35, "reports": 10, "download": 5}


@dataclass
class Data:
    postcodes: list[str]
    cores: list[str]
    report_ids: list[int]
    sessions: list[str]


def data_prepare(*, users: int, points: int, secret_key: str) -> Data:
    """Users, metering points and reports for the benchmark, made once and reused."""
    organisation, _ = Organisation.objects.get_or_create(
        mpid=BENCH_MPID,
        defaults={"name": "Load benchmark supplier", "role_codes": MarketRole.SUPPLIER},
    )
    if MeteringPoint.objects.count() < points:
        distributor, _ = Organisation.objects.get_or_create(
            mpid="LOND",
            defaults={"name": "London Power", "role_codes": MarketRole.DISTRIBUTOR},
        )
        out = io.StringIO()
        refresh_write(
            out,
            points=metering_points(points, distributor_id="12", seed=20190627),
            distributor_id="12",
            refresh_type="S",
            file_id=f"LB{secrets.randbelow(10**8):08d}",
        )
        flow_file = flow_file_receive(
            content=io.BytesIO(out.getvalue().encode()),
            original_name="bench-load.txt",
            channel=FlowFileChannel.COMMAND,
            sender=distributor,
            queue=False,
        )
        flow_file_process(flow_file_id=flow_file.pk)
    accounts = []
    for n in range(users):
        user, created = User.objects.get_or_create(
            email=f"load{n:04d}@bench.example",
            defaults={"organisation": organisation, "full_name": f"Load user {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        accounts.append(user)
    if Report.objects.filter(organisation=organisation).count() < 3:
        for n in range(3):
            report_create(
                organisation=organisation,
                kind=ReportKind.BULK_SEARCH,
                title=f"Load benchmark report {n}",
                rows_header=("MPAN core", "Postcode"),
                rows=MeteringPoint.objects.values_list("mpan_core", "postcode")[:2000],
            )
    # Sessions signed with the server's secret key, as a login would make them.
    with _secret_key(secret_key):
        sessions = [session_for(user) for user in accounts]
    sample = MeteringPoint.objects.order_by("?").values_list("mpan_core", "postcode")[:2000]
    return Data(
        postcodes=sorted({postcode for _, postcode in sample if postcode}),
        cores=[core for core, _ in sample],
        report_ids=list(
            Report.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ),
        sessions=sessions,
    )


class _secret_key:
    def __init__(self, key: str) -> None:
        self.key = key

    def __enter__(self):
        self.previous = settings.SECRET_KEY
        settings.SECRET_KEY = self.key

    def __exit__(self, *exc):
        settings.SECRET_KEY = self.previous


def session_for(user: User, backend: str = "accounts.backends.ModelBackend") -> str:
    """A logged-in session of `user`, stored in the database (which every session engine
    of the portal reads), naming the authentication `backend` that logged it in."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


# --- The server --------------------------------------------------------------------------------


def server_start(*, port: int, workers: int, threads: int, secret_key: str, log: Path):
    """gunicorn with the production settings; static files collected first."""
    static_root = tempfile.mkdtemp(prefix="ecoes-bench-static-")
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # loopback, no TLS proxy: see the header below
        "STATIC_ROOT": static_root,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_POOL_MAX": str(max(threads, 2)),
        # This measures load, not the daily caps: the same users run many times a day.
        "SEARCH_DAILY_CAP": "100000000",
        "SEARCH_ORGANISATION_DAILY_CAP": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
    )
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--backlog",
                "2048",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx.get(
                f"http://127.0.0.1:{port}/health/ready/", headers=PROXY_HEADERS, timeout=5
            )
            if response.status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server_stop(process)
            raise RuntimeError(f"gunicorn did not become ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def server_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# What a TLS-terminating proxy adds (SECURE_PROXY_SSL_HEADER), so production settings apply.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


# --- The users -------------------------------------------------------------------------------


@dataclass
class Results:
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)

    def record(self, kind: str, status: int | str, seconds: float) -> None:
        self.statuses[kind][status] += 1
        self.latencies[kind].append(seconds)

    @property
    def server_errors(self) -> int:
        return sum(
            count
            for counter in self.statuses.values()
            for status, count in counter.items()
            if not isinstance(status, int) or status >= 500
        )


def _request_for(kind: str, data: Data, rng: random.Random) -> str:
    if kind == "search":
        return f"/search/?q={rng.choice(data.postcodes).replace(' ', '+')}"
    if kind == "detail":
        return f"/metering-points/{rng.choice(data.cores)}/"
    if kind == "reports":
        return "/reports/"
    return f"/reports/{rng.choice(data.report_ids)}/download/"


async def _user(base: str, session: str, data: Data, until: float, results: Results, seed: int):
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    headers = {**PROXY_HEADERS, "Cookie": f"{SESSION_COOKIE}={session}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            started = time.monotonic()
            try:
                response = await client.get(_request_for(kind, data, rng))
                status: int | str = response.status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
                results.errors[status] += 1
            results.record(kind, status, time.monotonic() - started)


async def load_run(*, base: str, data: Data, users: int, seconds: float) -> Results:
    results = Results()
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(
            _user(base, data.sessions[n % len(data.sessions)], data, until, results, seed=n)
            for n in range(users)
        )
    )
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def report_lines(results: Results, *, seconds: float) -> list[str]:
    lines = [
        "| request | count | per second | statuses | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    everything: list[float] = []
    for kind in MIX:
        times = sorted(results.latencies.get(kind, []))
        if not times:
            continue
        everything += times
        statuses = ", ".join(
            f"{s}: {n}" for s, n in sorted(results.statuses[kind].items(), key=str)
        )
        q = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
        lines.append(
            f"| {kind} | {len(times):,} | {len(times) / seconds:,.1f} | {statuses}"
            f" | {_ms(q[49])} | {_ms(q[94])} | {_ms(q[98])} | {_ms(times[-1])} |"
        )
    everything.sort()
    if len(everything) > 1:
        q = statistics.quantiles(everything, n=100)
        lines.append(
            f"| **all** | {len(everything):,} | {len(everything) / seconds:,.1f}"
            f" | 5xx or errors: {results.server_errors} | {_ms(q[49])} | {_ms(q[94])}"
            f" | {_ms(q[98])} | {_ms(everything[-1])} |"
        )
    return lines
