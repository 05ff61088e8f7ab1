"""The scale benchmark at smoke scale: it runs end to end and gives every figure."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.bench

SCENARIOS = [
    "api_mpan",
    "html_detail",
    "postcode",
    "postcode_largest",
    "serial",
    "address_structured",
    "address_free",
]
PEERS = ["datasette", "django_floor"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def bench_database_url():
    """A database of its own, made and dropped here: the served portal must see the
    data, so the test database (inside a transaction) will not do."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        pytest.skip("the benchmark needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    for tool in ("wrk", "pgbench"):
        if not shutil.which(tool):
            pytest.skip(f"the benchmark needs {tool} (Debian packages wrk, postgresql-client)")
    server, name = url.rsplit("/", 1)
    bench_name = f"{name.split('?')[0]}_bench_smoke"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
        admin.execute(f'CREATE DATABASE "{bench_name}"')
    yield f"{server}/{bench_name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')


def test_the_benchmark_at_smoke_scale_gives_every_figure_and_ratio(bench_database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": bench_database_url, "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("DATABASE_REPLICA_URL", None)  # the benchmark measures its own database alone
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=60)

    subprocess.run(
        [
            *manage,
            "bench_scale",
            "--metering-points",
            "2000",
            "--seconds",
            "1",
            "--port",
            str(free_port()),
            "--work-dir",
            str(tmp_path / "bench"),
            # This code again as "before": the comparison's path runs too.
            "--before",
            str(settings.BASE_DIR),
        ],
        env=env,
        check=True,
        timeout=420,
    )

    results = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert results["ingest"]["points"] == 2000
    assert results["ingest"]["points_per_second"] > 0
    assert results["copy_floor"]["points_per_second"] > 0
    assert results["address_words"]["points"] == 2000
    assert results["pgbench_floor"]["tps"] > 0
    for name in [*SCENARIOS, *PEERS, *(f"before_{name}" for name in SCENARIOS)]:
        for run in ("paced", "peak"):
            figures = results[f"load_{name}"][run]
            assert figures["requests"] > 0, (name, run)
            assert figures["errors"] == 0, (name, run)
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
        if name in SCENARIOS:
            assert f"{name}_peak_to_pgbench" in results["ratios"]
    for peer in PEERS:
        assert results["ratios"][f"api_mpan_peak_to_{peer}"] > 0
    assert results["ratios"]["html_detail_peak_to_api_mpan"] > 0
    assert "ingest_to_copy" in results["ratios"]
    assert "api_mpan_p99_within_10_ms" in results["targets"]
    assert "api_mpan_peak_at_least_datasette" in results["targets"]
    assert not (tmp_path / "bench" / "data-2000").exists()  # the files are deleted
