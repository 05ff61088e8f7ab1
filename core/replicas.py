"""Reads that a streaming replica may serve: searches, detail views, API and bulk lookups.

With `DATABASE_REPLICA_URL` set, `settings.DATABASES` has a "replica" alias, and the read
functions of those lookups ask `read_alias()` which database to use. Nothing else reads
the replica: writes, the audit rows, the daily caps, sessions, API keys (a revoked key
must stop at once) and every screen that shows what a user changed stay on the primary.
There is no automatic router for reads: a replica is used only where a query asks.

The replica is skipped (the primary answers) when
- the caller is inside a transaction on the primary: it must see its own writes;
- the replica cannot be reached, or is not in recovery (promoted, or misconfigured);
- it is behind the primary by more than `DATABASE_REPLICA_MAX_LAG_SECONDS`.

The lag is probed at most once per `DATABASE_REPLICA_CHECK_SECONDS` per process: the
primary's WAL position, then whether the replica has replayed up to it; if not, the lag is
the time since the replica's last replayed commit (an upper bound). Sampling the primary's
position first means that, with the limit at 0, a replica is used only once it holds
everything committed before the probe.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

_lock = threading.Lock()
_state = {"next_check_at": float("-inf"), "usable": False}
# An unreachable replica is tried again after this long, not at every check: each try
# may wait for its connection timeout.
_UNREACHABLE_RETRY_SECONDS = 10


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float | None:
    """How far the replica is behind the primary, in seconds (0: it has replayed all the
    primary had written when asked); None when it cannot be used at all."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (primary_position,) = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [primary_position],
            )
            in_recovery, caught_up, since_last_commit = cursor.fetchone()
    # Whatever stops the replica answering (refused, timed out, a test that does not allow
    # it) means the same: the primary answers for now.
    except Exception:  # noqa: BLE001
        logger.warning("The database replica cannot be reached; reading from the primary.")
        return None
    if not in_recovery:
        logger.warning("The database replica is not in recovery; reading from the primary.")
        return None
    if caught_up:
        return 0.0
    return float("inf") if since_last_commit is None else max(float(since_last_commit), 0.0)


def _replica_usable() -> bool:
    if time.monotonic() < _state["next_check_at"]:
        return _state["usable"]
    with _lock:
        if time.monotonic() >= _state["next_check_at"]:
            lag = replica_lag_seconds()
            _state["usable"] = lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
            wait = settings.DATABASE_REPLICA_CHECK_SECONDS
            if lag is None:
                wait = max(wait, _UNREACHABLE_RETRY_SECONDS)
            _state["next_check_at"] = time.monotonic() + wait
        return _state["usable"]


def read_alias() -> str:
    """The database alias a registry lookup reads from: the replica when it may, else the
    primary."""
    if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA if _replica_usable() else DEFAULT_DB_ALIAS


def replica_probe_forget() -> None:
    """Probe again at the next read (tests, after changing the replica's state)."""
    _state["next_check_at"] = float("-inf")


class PrimaryOnlyRouter:
    """Migrations run on the primary only; the replica follows through replication.
    Reads and writes are not routed: the default is the primary, and the lookups name the
    replica themselves (`read_alias`)."""

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
