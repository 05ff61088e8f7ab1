"""Readiness checks for the dependencies the portal needs: database, cache, broker.

Each check returns (ok, detail) and never raises, so one broken dependency is
reported beside the others instead of turning the whole answer into a 500.
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)

CheckResult = tuple[bool, str]


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_cache() -> CheckResult:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        # The fault-tolerant cache (core/cache.py) degrades instead of raising; say why.
        return False, getattr(cache, "last_error", None) or "value written was not read back"
    return True, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def check_broker() -> CheckResult:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "not used: tasks run eagerly in the web process"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return True, "connected"


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            ok, detail = check()
        except Exception as exc:  # noqa: BLE001 - a readiness probe must report, not crash
            logger.warning("readiness check %s failed: %s", name, exc)
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    return results
