"""The scale benchmark (`manage.py bench_scale`): GB-scale data through the real ingest
path, the portal served with production settings and driven over loopback, and the
floors (a raw COPY of the same rows, pgbench primary-key lookups) measured in the same
run, so every figure comes with its ratio to what the database alone can do.

A benchmark, not a test: it empties the registry of the database it is pointed at
(never with DJANGO_ENV=production). docs/performance.md has the method and figures.
"""

import contextlib
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import Organisation, OrganisationApiKey, User
from accounts.roles import MarketRole
from bench.generate import refresh_files_generate
from bench.loadbench import session_for
from dtc.codes import DISTRIBUTORS
from registry.models import FlowFileChannel, FlowFileStatus, Meter, MeteringPoint
from registry.services import address_words_refresh, flow_file_process, flow_file_receive

# What the load generator asks for, and the targets of issues 20 and 19 (p99, ms).
SCENARIOS = [
    "api_mpan",
    "html_detail",
    "postcode",
    "postcode_largest",
    "serial",
    "address_structured",
    "address_free",
]
# The peers, asked for the same random MPANs: Datasette serving the registry table
# exported to SQLite, and a bare Django view on the same gunicorn settings.
PEERS = ["datasette", "django_floor"]
FLOOR_SETTINGS = "config.floor_settings"
P99_TARGETS_MS = {
    "api_mpan": 10.0,
    "html_detail": 25.0,
    "postcode": 25.0,
    "postcode_largest": 25.0,
    "address_structured": 25.0,
    "address_free": 100.0,
}
SAMPLE_ADDRESSES = 5_000
PACED_RATE = 100  # requests per second for the latency runs
SAMPLE_KEYS = 20_000  # random MPANs, postcodes and serials the load is drawn from
COPY_FLOOR_MAX_POINTS = 2_000_000  # the COPY floor copies a sample of this many at most
_RAISED = str(10**9)  # the daily caps and rates, raised for the benchmark


def _mb(kib: int) -> float:
    return round(kib / 1024, 1)


@dataclass
class Figures:
    """Everything the run measured, printed as it comes and written as JSON."""

    values: dict = field(default_factory=dict)
    out: object = sys.stdout

    def add(self, section: str, **figures) -> None:
        self.values.setdefault(section, {}).update(figures)
        shown = ", ".join(f"{name} {value}" for name, value in figures.items())
        print(f"[{section}] {shown}", file=self.out, flush=True)


# ------------------------------------------------------------------ data and ingest
def data_files(count: int, work_dir: Path, figures: Figures) -> list[Path]:
    """The D0204 full refreshes of `count` points (one per DNO area), generated once."""
    folder = work_dir / f"data-{count}"
    done = folder / "complete"
    if done.exists():
        files = sorted(folder.glob("D0204_*.txt"))
        figures.add("generate", reused=str(folder), files=len(files))
        return files
    started = time.monotonic()
    files = refresh_files_generate(count=count, out=folder)
    done.touch()
    size = sum(path.stat().st_size for path in files)
    figures.add(
        "generate",
        points=count,
        files=len(files),
        gigabytes=round(size / 1e9, 2),
        seconds=round(time.monotonic() - started, 1),
    )
    return files


def registry_empty() -> None:
    if settings.PRODUCTION:
        raise RuntimeError("the benchmark empties the registry; never in production")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_meter, registry_relatedmpan, registry_meteringpoint,"
            " registry_addresswords, registry_flowfile, search_searchevent CASCADE"
        )


def ingest_measure(files: list[Path], figures: Figures) -> None:
    """Every file through the service (receive, parse, stage, merge, commit), one
    after the other, as the inbox or the command line would apply them."""
    registry_empty()
    senders = {}
    for distributor_id, distributor in DISTRIBUTORS.items():
        senders[distributor_id], _ = Organisation.objects.get_or_create(
            mpid=distributor.mpid,
            defaults={"name": f"{distributor.mpid} (bench)", "role_codes": MarketRole.DISTRIBUTOR},
        )
    started = time.monotonic()
    for path in files:
        distributor_id = path.stem.split("_")[1]
        with path.open("rb") as content:
            flow_file = flow_file_receive(
                content=content,
                original_name=path.name,
                channel=FlowFileChannel.COMMAND,
                sender=senders[distributor_id],
                queue=False,
            )
        flow_file = flow_file_process(flow_file_id=flow_file.pk)
        if flow_file.status != FlowFileStatus.APPLIED:
            raise RuntimeError(f"{path.name} was rejected: {flow_file.errors}")
        # The stored copy is not needed again; at 32 million points it is gigabytes.
        flow_file.stored_file.delete(save=False)
    seconds = time.monotonic() - started
    points = MeteringPoint.objects.count()
    figures.add(
        "ingest",
        points=points,
        meters=Meter.objects.count(),
        seconds=round(seconds, 1),
        points_per_second=round(points / seconds),
        peak_rss_mb=_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
        parsing_process_peak_rss_mb=_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_meteringpoint")
        cursor.execute("VACUUM ANALYZE registry_meter")
    address_words_measure(figures)


def address_words_measure(figures: Figures) -> None:
    """The address words of every point, as the tasks queued by the refreshes write them
    (no worker runs during the benchmark, so they are run here, timed apart)."""
    started = time.monotonic()
    written = address_words_refresh()
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_addresswords")
    figures.add(
        "address_words",
        points=written,
        seconds=round(seconds, 1),
        points_per_second=round(written / max(seconds, 1e-6)),
    )


# -------------------------------------------------------------------------- floors
def copy_floor(work_dir: Path, figures: Figures) -> None:
    """A raw COPY of the same rows (points and their meters) into empty tables of the
    same shape and indexes: no parsing, checks or merge. At most a sample, so the disk
    holds it; a sample's rate is if anything higher than the whole table's."""
    limit = min(MeteringPoint.objects.count(), COPY_FLOOR_MAX_POINTS)
    points_file, meters_file = work_dir / "floor-points.copy", work_dir / "floor-meters.copy"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("DROP TABLE IF EXISTS bench_floor_point, bench_floor_meter")
        cursor.execute("CREATE TABLE bench_floor_point (LIKE registry_meteringpoint INCLUDING ALL)")
        cursor.execute("CREATE TABLE bench_floor_meter (LIKE registry_meter INCLUDING ALL)")
        exports = [
            (points_file, f"SELECT * FROM registry_meteringpoint LIMIT {limit}"),  # noqa: S608
            (
                meters_file,
                "SELECT m.* FROM registry_meter m JOIN (SELECT mpan_core FROM"  # noqa: S608
                f" registry_meteringpoint LIMIT {limit}) p ON p.mpan_core = m.metering_point_id",
            ),
        ]
        for path, query in exports:
            with path.open("wb") as out, raw.copy(f"COPY ({query}) TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
        started = time.monotonic()
        for path, table in ((points_file, "bench_floor_point"), (meters_file, "bench_floor_meter")):
            with path.open("rb") as source, raw.copy(f"COPY {table} FROM STDIN") as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
        seconds = time.monotonic() - started
        cursor.execute("DROP TABLE bench_floor_point, bench_floor_meter")
    points_file.unlink()
    meters_file.unlink()
    figures.add(
        "copy_floor",
        points=limit,
        seconds=round(seconds, 1),
        points_per_second=round(limit / seconds),
    )


def _database_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {"PGHOST": str(db.get("HOST") or "127.0.0.1"), "PGDATABASE": str(db["NAME"])}
    env["PGPORT"] = str(db.get("PORT") or 5432)
    env["PGUSER"] = str(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def sample_keys(work_dir: Path) -> dict[str, list[str]]:
    """Random MPANs, postcodes and serials, and the pages of the largest postcode; the
    MPANs also go into a table for pgbench."""
    with connection.cursor() as cursor:
        total = MeteringPoint.objects.count()
        percent = min(100.0, 200.0 * SAMPLE_KEYS / max(total, 1))
        cursor.execute(
            "SELECT mpan_core FROM registry_meteringpoint TABLESAMPLE BERNOULLI (%s) LIMIT %s",
            [percent, SAMPLE_KEYS],
        )
        cores = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT postcode FROM registry_meteringpoint WHERE mpan_core = ANY(%s)",
            [cores],
        )
        postcodes = [row[0] for row in cursor.fetchall() if row[0]]
        cursor.execute(
            "SELECT serial FROM registry_meter WHERE metering_point_id = ANY(%s)", [cores]
        )
        serials = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT postcode_key, COUNT(*) FROM registry_meteringpoint"
            " GROUP BY postcode_key ORDER BY 2 DESC LIMIT 1"
        )
        largest, largest_count = cursor.fetchone()
        cursor.execute(
            "SELECT address_line_1, address_line_2, address_line_3, address_line_4"
            " FROM registry_meteringpoint WHERE mpan_core = ANY(%s)",
            [cores[:SAMPLE_ADDRESSES]],
        )
        addresses = [[line for line in row if line] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE IF EXISTS bench_keys")
        cursor.execute("CREATE TABLE bench_keys (n integer PRIMARY KEY, mpan_core text)")
        with cursor.cursor.copy("COPY bench_keys (n, mpan_core) FROM STDIN") as copy:
            for n, core in enumerate(cores, 1):
                copy.write_row((n, core))
        cursor.execute("ANALYZE bench_keys")
    return {
        "cores": cores,
        "postcodes": postcodes,
        "serials": serials,
        "largest": [largest, largest_count],
        "addresses": addresses,
    }


def pgbench_floor(keys: dict, work_dir: Path, seconds: int, figures: Figures) -> None:
    """pgbench primary-key lookups of random MPANs on the same table (the MPAN is taken
    from the small bench_keys table in the same statement: one extra cached lookup)."""
    script = work_dir / "pgbench-mpan.sql"
    script.write_text(
        f"\\set n random(1, {len(keys['cores'])})\n"  # noqa: S608 - numbers we made
        "SELECT * FROM registry_meteringpoint"
        " WHERE mpan_core = (SELECT mpan_core FROM bench_keys WHERE n = :n);\n"
    )
    command = ["pgbench", "-n", "-M", "prepared", "-c", "4", "-j", "2"]
    command += ["-T", str(seconds), "-f", str(script)]
    result = subprocess.run(  # noqa: S603 - our own command line
        command,
        env={**os.environ, **_database_env()},
        capture_output=True,
        text=True,
        check=True,
    )
    tps = float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1))
    latency = float(re.search(r"latency average = ([0-9.]+) ms", result.stdout).group(1))
    figures.add("pgbench_floor", clients=4, tps=round(tps), latency_average_ms=latency)


# ------------------------------------------------------------------ the served portal
def bench_credentials() -> dict[str, str]:
    """An organisation API key and logged-in sessions of a member of the same supplier
    organisation: `session` for this code, `session_before` for code before the
    authentication backends moved to accounts/backends.py (a session names the backend
    that logged it in, and a server that does not know it treats the session as logged
    out)."""
    organisation, _ = Organisation.objects.get_or_create(
        mpid="BNCH", defaults={"name": "Benchmark supplier", "role_codes": MarketRole.SUPPLIER}
    )
    _, key = OrganisationApiKey.objects.create_key(name="bench", organisation=organisation)
    user = User.objects.filter(email="bench@example.invalid").first()
    if user is None:
        user = User.objects.create_user(
            email="bench@example.invalid",
            password=secrets.token_urlsafe(16),
            organisation=organisation,
        )
    client = Client()
    client.force_login(user)
    return {
        "api_key": key,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "session_before": session_for(user, "django.contrib.auth.backends.ModelBackend"),
    }


@contextlib.contextmanager
def portal_served(
    port: int,
    work_dir: Path,
    workers: int,
    *,
    settings_module: str = "config.settings",
    health: str = "/health/",
    code_dir: Path | None = None,
) -> Iterator[str]:
    """gunicorn with production settings on loopback; yields the base URL once `health`
    answers. `settings_module` serves the framework's floor (bench/floor.py)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_ENV": "production",
        # The same key as this process, so the session made here is valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        # The benchmark measures the one database it loaded; a replica is not used.
        "DATABASE_REPLICA_URL": "",
        "STATIC_ROOT": str(work_dir / "static"),
        "SEARCH_DAILY_CAP": _RAISED,
        "SEARCH_API_KEY_DAILY_CAP": _RAISED,
        "SEARCH_ORGANISATION_DAILY_CAP": _RAISED,
        # Raised, not removed: the throttles still count every request (one Lua call
        # on Redis per request, whatever the rate; core/throttling.py).
        "SEARCH_API_USER_RATE": f"{_RAISED}/minute",
        "SEARCH_API_KEY_RATE": f"{_RAISED}/minute",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    collect = [*manage, "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, env=env, check=True)  # noqa: S603 - our own command line
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--chdir", str(code_dir or settings.BASE_DIR)]
    with _served(command, env, port, work_dir / "gunicorn.log", health) as base:
        yield base


@contextlib.contextmanager
def _served(command: list[str], env: dict, port: int, log_path: Path, health: str) -> Iterator[str]:
    """Start a server, wait until it answers 200 on `health`, yield its base URL, stop it."""
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                # Our own loopback URL.
                with urllib.request.urlopen(f"{base}{health}", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{command[0]} did not start; see {log_path}")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def sqlite_export(work_dir: Path) -> Path:
    """The registry's metering-point table, copied as it is into a SQLite file for
    Datasette (MPAN core as the primary key, the other columns as text or numbers)."""
    path = work_dir / "registry.db"
    path.unlink(missing_ok=True)
    columns = [field.column for field in MeteringPoint._meta.concrete_fields]
    table = MeteringPoint._meta.db_table
    names = ", ".join(f'"{column}"' for column in columns)
    with sqlite3.connect(path) as target:
        rest = ", ".join(f'"{column}"' for column in columns[1:])
        target.execute(f'CREATE TABLE {table} ("{columns[0]}" TEXT PRIMARY KEY, {rest})')
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        copy_out = f"COPY {table} ({names}) TO STDOUT"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_out) as copy:
            batch = []
            for row in copy.rows():
                batch.append(row)
                if len(batch) == 10_000:
                    target.executemany(insert, batch)
                    batch.clear()
            target.executemany(insert, batch)
    return path


@contextlib.contextmanager
def datasette_served(database: Path, port: int, work_dir: Path) -> Iterator[str]:
    """Datasette serving the exported table read-only (immutable, as `datasette
    publish` does), with its defaults otherwise."""
    datasette = Path(sys.executable).with_name("datasette")
    command = [str(datasette), "serve", "--immutable", str(database)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with _served(
        command, dict(os.environ), port, work_dir / "datasette.log", "/-/versions.json"
    ) as base:
        yield base


_WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
wrk.headers["%(header)s"] = "%(value)s"
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  threads[#threads + 1] = thread
end
function init(args)
  math.randomseed(seed * 7919 + os.time())
  not_ok = 0
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function response(status, headers, body)
  -- A redirect (to the login page, say) is a failure here, not a success.
  if status ~= 200 then not_ok = not_ok + 1 end
end
%(delay)s
function done(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  io.write(string.format(
    "WRK {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": %%d, \\"non_200\\": %%d,"
    .. " \\"p50_us\\": %%d, \\"p95_us\\": %%d, \\"p99_us\\": %%d, \\"max_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, bad,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

# Paced runs: each wrk thread sends on a fixed schedule (one request every `interval`
# ms, whichever of its connections is free), so the rate holds whatever the response
# time, as long as a thread has a connection free (4 each: up to 4 x interval of
# latency). wrk's Lua has no clock of its own; LuaJIT's FFI reads CLOCK_MONOTONIC.
_WRK_PACING = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local slot = nil
function delay()
  local now = now_ms()
  if slot == nil or slot < now - %(interval)s then slot = now end
  slot = slot + %(interval)s
  return math.max(0, math.floor(slot - %(interval)s - now))
end
"""
_WRK_THREADS = 2


def wrk_run(
    base: str,
    paths: list[str],
    *,
    header: tuple[str, str],
    seconds: int,
    work_dir: Path,
    rate: int | None,
    connections: int = 8,
) -> dict:
    """One wrk run over random `paths`: at `rate` requests/s on a fixed schedule if
    given, else as fast as 8 connections go."""
    paths_file = work_dir / "wrk-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    delay = ""
    if rate:
        delay = _WRK_PACING % {"interval": repr(_WRK_THREADS * 1000 / rate)}
    script = work_dir / "wrk.lua"
    script.write_text(
        _WRK_SCRIPT % {"paths": paths_file, "header": header[0], "value": header[1], "delay": delay}
    )
    command = ["wrk", "-t", str(_WRK_THREADS), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "10s"]
    result = subprocess.run(  # noqa: S603 - our own command line
        [*command, "-s", str(script), base], capture_output=True, text=True, check=True
    )
    found = re.search(r"^WRK (\{.*\})$", result.stdout, re.MULTILINE)
    raw = json.loads(found.group(1))
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rate": round(raw["requests"] / duration, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["errors"] + raw["non_200"],
    }


def scenario_paths(keys: dict) -> dict[str, list[str]]:
    from urllib.parse import quote, urlencode

    largest, count = keys["largest"]
    pages = max(1, -(-count // 50))
    return {
        "api_mpan": [f"/api/v1/metering-points/{core}/" for core in keys["cores"]],
        "html_detail": [f"/metering-points/{core}/" for core in keys["cores"]],
        "postcode": [f"/api/v1/metering-points/?postcode={quote(p)}" for p in keys["postcodes"]],
        "postcode_largest": [
            f"/api/v1/metering-points/?postcode={largest}&page={page}"
            for page in range(1, pages + 1)
        ],
        "serial": [f"/api/v1/metering-points/?serial={quote(s)}" for s in keys["serials"]],
        # The street line ("12 High Street") as building and street, the last line as the
        # town: a structured search with no postcode. Free text: the lines with commas.
        "address_structured": [
            "/api/v1/metering-points/?" + urlencode(_structured(lines))
            for lines in keys["addresses"]
            if len(lines) >= 2
        ],
        "address_free": [
            "/api/v1/metering-points/?" + urlencode({"address": ", ".join(lines)})
            for lines in keys["addresses"]
            if len(lines) >= 2
        ],
        "datasette": [f"/registry/registry_meteringpoint/{core}.json" for core in keys["cores"]],
        "django_floor": [f"/floor/{core}/" for core in keys["cores"]],
    }


def _structured(lines: list[str]) -> dict[str, str]:
    street = next((line for line in lines if line[:1].isdigit()), lines[0])
    building, _, street = street.partition(" ")
    params = {"building": building, "street": street, "town": lines[-1]}
    if lines[0] != f"{building} {street}":
        params["sub_building"] = lines[0]
    return params


def load_measure(
    keys: dict,
    work_dir: Path,
    *,
    seconds: int,
    port: int,
    workers: int,
    figures: Figures,
    before_dir: Path | None = None,
) -> None:
    """The portal's scenarios, then the peers'. With `before_dir` (an export of an earlier
    commit, e.g. `git archive`), that code is served and measured first, with the same
    keys and wrk settings, as `load_before_<scenario>`."""
    credentials = bench_credentials()
    api = ("Authorization", f"Api-Key {credentials['api_key']}")
    paths = scenario_paths(keys)
    for label, code_dir in (("before_", before_dir), ("", None)):
        if label and code_dir is None:
            continue
        with portal_served(port, work_dir, workers, code_dir=code_dir) as base:
            session = session_accepted(
                base,
                [credentials["session"], credentials["session_before"]],
                paths["html_detail"][0],
            )
            # A short warm-up: connections in the pools, code paths imported.
            warm = paths["api_mpan"][:200]
            wrk_run(base, warm, header=api, seconds=1, work_dir=work_dir, rate=None)
            for name in SCENARIOS:
                header = session if name == "html_detail" else api
                _scenario_measure(
                    name, base, paths, header, seconds, work_dir, figures, keys, label=label
                )
    # The peers, one after the other on the same port, with the same wrk settings.
    nothing = ("X-Bench", "peer")
    floor = {"settings_module": FLOOR_SETTINGS, "health": paths["django_floor"][0]}
    with portal_served(port, work_dir, workers, **floor) as base:
        wrk_run(
            base,
            paths["django_floor"][:200],
            header=nothing,
            seconds=1,
            work_dir=work_dir,
            rate=None,
        )
        _scenario_measure("django_floor", base, paths, nothing, seconds, work_dir, figures, keys)
    with datasette_served(sqlite_export(work_dir), port, work_dir) as base:
        wrk_run(
            base, paths["datasette"][:200], header=nothing, seconds=1, work_dir=work_dir, rate=None
        )
        _scenario_measure("datasette", base, paths, nothing, seconds, work_dir, figures, keys)


def session_accepted(base: str, session_ids: list[str], path: str) -> tuple[str, str]:
    """The Cookie header of the first session that the served code takes as logged in
    (200 on `path`, not a redirect to the login page): code from before the
    authentication backends moved knows only the sessions naming the old backend."""
    host, _, port = base.removeprefix("http://").partition(":")
    for session_id in session_ids:
        # Production names the cookie __Host-sessionid; this process has the development
        # settings, so both names are sent.
        header = ("Cookie", f"__Host-sessionid={session_id}; sessionid={session_id}")
        server = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            server.request("GET", path, headers=dict([header]))
            status = server.getresponse().status
        finally:
            server.close()
        if status == 200:
            return header
    raise RuntimeError(f"no benchmark session is logged in on the served code ({path})")


def _scenario_measure(
    name, base, paths, header, seconds, work_dir, figures, keys, *, label: str = ""
) -> None:
    random.shuffle(paths[name])
    paced = wrk_run(
        base, paths[name], header=header, seconds=seconds, work_dir=work_dir, rate=PACED_RATE
    )
    peak = wrk_run(base, paths[name], header=header, seconds=seconds, work_dir=work_dir, rate=None)
    figures.add(
        f"load_{label}{name}",
        paced=paced,
        peak=peak,
        largest_postcode=keys["largest"] if name == "postcode_largest" else None,
    )


# --------------------------------------------------------------------------- the run
def ratios(figures: Figures) -> None:
    values = figures.values
    tps = values["pgbench_floor"]["tps"]
    found, checks = {}, {}
    if "ingest" in values:
        ingest = values["ingest"]["points_per_second"]
        found["ingest_to_copy"] = round(ingest / values["copy_floor"]["points_per_second"], 2)
        checks["ingest_at_least_half_of_copy"] = found["ingest_to_copy"] >= 0.5
        if values["ingest"]["points"] >= 32_000_000:
            checks["ingest_within_5_minutes"] = values["ingest"]["seconds"] <= 300
        checks["ingest_peak_rss_under_500_mb"] = (
            max(values["ingest"]["peak_rss_mb"], values["ingest"]["parsing_process_peak_rss_mb"])
            < 500
        )
    for name in SCENARIOS:
        found[f"{name}_peak_to_pgbench"] = round(values[f"load_{name}"]["peak"]["rate"] / tps, 3)
    api = values["load_api_mpan"]["peak"]["rate"]
    for peer in PEERS:
        found[f"api_mpan_peak_to_{peer}"] = _ratio(api, values[f"load_{peer}"]["peak"]["rate"])
    found["html_detail_peak_to_api_mpan"] = _ratio(values["load_html_detail"]["peak"]["rate"], api)
    figures.add("ratios", **found)
    for check, ratio, floor in (
        ("api_mpan_peak_at_least_datasette", "api_mpan_peak_to_datasette", 1),
        ("api_mpan_peak_at_least_0_6_of_django_floor", "api_mpan_peak_to_django_floor", 0.6),
        ("html_detail_peak_at_least_half_of_api", "html_detail_peak_to_api_mpan", 0.5),
    ):
        checks[check] = found[ratio] is not None and found[ratio] >= floor
    for name, target in P99_TARGETS_MS.items():
        checks[f"{name}_p99_within_{target:g}_ms"] = (
            values[f"load_{name}"]["paced"]["p99_ms"] <= target
        )
    figures.add("targets", **checks)


def _ratio(value: float, of: float) -> float | None:
    return round(value / of, 2) if of else None


def bench_scale_run(
    *,
    count: int,
    work_dir: Path,
    seconds: int,
    port: int,
    workers: int,
    keep_data: bool,
    load_only: bool = False,
    before_dir: Path | None = None,
    figures: Figures,
) -> dict:
    """The whole run; `load_only` keeps the registry as it is and measures the floors
    and the load only (after a run that loaded it)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    figures.add(
        "machine",
        cpus=os.cpu_count(),
        python=sys.version.split()[0],
        load_average_at_start=[round(load, 2) for load in os.getloadavg()],
    )
    if not load_only:
        files = data_files(count, work_dir, figures)
        ingest_measure(files, figures)
        if not keep_data:
            shutil.rmtree(files[0].parent)
        copy_floor(work_dir, figures)
    keys = sample_keys(work_dir)
    pgbench_floor(keys, work_dir, seconds, figures)
    load_measure(
        keys,
        work_dir,
        seconds=seconds,
        port=port,
        workers=workers,
        figures=figures,
        before_dir=before_dir,
    )
    ratios(figures)
    (work_dir / "results.json").write_text(json.dumps(figures.values, indent=2))
    return figures.values
