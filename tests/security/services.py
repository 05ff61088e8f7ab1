"""Services the fault tests start, break and restart themselves.

Never the machine's shared Redis or PostgreSQL cluster: other test runs use them. Each
test starts its own redis-server on a free port in a temporary folder, and its own
Celery workers pointed at it and at the test database.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import database_env, missing_part


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, message, interval: float = 0.1):
    """Poll `condition` until it is true; fail with `message` (text, or a function giving
    it, for text that must be read at the time of failure, such as a log)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(message() if callable(message) else message)
        time.sleep(interval)


class OwnRedis:
    """A redis-server of our own, persisting every write (appendfsync always), as a
    broker must for queued tasks to outlive a crash; or, with `snapshots`, persisting
    only what an explicit SAVE wrote (an RDB snapshot), so a restart brings back old data.
    """

    def __init__(self, folder: Path, *, snapshots: bool = False) -> None:
        self.snapshots = snapshots
        server = shutil.which("redis-server")
        if not server:
            missing_part("redis-server is not installed (apt-get install redis-server)")
        self.server = server
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                *(
                    ("--appendonly", "no", "--dbfilename", "snapshot.rdb")
                    if self.snapshots
                    else ("--appendonly", "yes", "--appendfsync", "always")
                ),
                "--logfile",
                str(self.folder / "redis.log"),
            ]
        )
        wait_for(self.answers, timeout=20, message=f"redis-server did not start on {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def command(self, *args: str) -> str:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        try:
            return client.execute_command(*args)
        finally:
            client.close()


def worker_start(
    *, redis_url: str, queue: str, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A `celery worker` (solo pool: the task runs in this very process) on our Redis."""
    environment = {
        **os.environ,
        **database_env(),
        "REDIS_URL": redis_url,
        **(env or {}),
    }
    environment.pop("CELERY_BROKER_URL", None)
    start = log.stat().st_size if log.exists() else 0
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                "-n",
                f"{queue}-{time.monotonic_ns()}@%h",
            ],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    wait_for(
        lambda: b"ready." in log.read_bytes()[start:] or process.poll() is not None,
        timeout=60,
        message=f"Celery worker did not start:\n{log.read_text()}",
    )
    if process.poll() is not None:
        pytest.fail(f"Celery worker exited:\n{log.read_text()}")
    return process


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def database_backends_terminate() -> int:
    """What clients see when PostgreSQL restarts: every other connection to the test
    database ends. Returns once they have ended (a restart is over before the server
    answers again), with how many there were."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)
