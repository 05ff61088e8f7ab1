"""Apply a D0204 refresh: staged through COPY, merged with set-based SQL.

Runs inside the one transaction of `flow_file_process`. A background thread parses
the file and builds staging rows in chunks; meanwhile this thread COPYs the previous
chunk into a temporary staging table and merges it into the registry. The database
works while Python parses, and at most two chunks are held in memory, so memory is
flat for any file size. A full refresh deletes the distributor's points that the file
did not list, and the meters of the listed points are reconciled, once every chunk
is in. PostgreSQL stages with binary COPY; SQLite (the
development default) runs the same SQL after executemany.
"""

import logging
import queue
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils import timezone

from registry.appliers import ApplyResult, related_indicator_refresh
from registry.errors import FlowRejected
from registry.records import (
    COPY_COLUMNS,
    STAGE_COLUMNS,
    meter_row,
    point_row,
)
from registry.refresh_pipe import Declined, ParsingProcess, Progress, refresh_distributor_peek
from registry.refresh_sql import SEEN, STAGE, RefreshSql
from registry.sender_rules import refresh_distributor_check

logger = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
_REFRESH_LOCK = 204  # advisory lock class of refreshes (one lock per distributor id)
_SQLITE_BATCH = 5_000


@dataclass(frozen=True)
class RefreshSender:
    """Who sends the refresh: its MPID and the distributor ids it is responsible for
    (`registry.sender_rules.distributor_ids_of`)."""

    mpid: str
    distributor_ids: Collection[str]


@dataclass
class _Refresh:
    refresh_type: str = ""
    distributor_id: str = ""
    points: int = 0
    points_existing: int = 0  # points of the file already in the registry
    points_before: int | None = None  # the distributor's points before (PostgreSQL)
    # The fast path cuts chunks between points, so a chunk of new points has all
    # their meters: they go in at once. Chunks with known points are reconciled at
    # the end, through RECONCILE.
    aligned: bool = False
    reconcile: bool = False


def _refresh_rows(
    instances: Iterable, state: _Refresh, gsp_groups: dict[str, str], sender: RefreshSender
) -> Iterator:
    """Staging rows for a refresh; checks what the parser cannot know alone: the R01
    distributor is the sender's own, and every point is that distributor's."""
    for instance in instances:
        if instance.group_id == "R01":
            if state.refresh_type:
                raise FlowRejected(
                    "a refresh carries exactly one R01 group", line=instance.line_no, group="R01"
                )
            refresh_distributor_check(
                instance.items["distributor_id"],
                sender_mpid=sender.mpid,
                distributor_ids=sender.distributor_ids,
                line_no=instance.line_no,
            )
            state.refresh_type = instance.items["refresh_type"]
            state.distributor_id = instance.items["distributor_id"]
            points = instance.children
        else:
            points = (instance,)
        for point in points:
            if point.group_id != "R02":
                continue
            core = point.items["mpan_core"]
            if not state.distributor_id:
                raise FlowRejected("R02 before the R01 group", line=point.line_no, group="R02")
            if not core.startswith(state.distributor_id):
                raise FlowRejected(
                    f"a refresh may hold only the points of the distributor named in R01:"
                    f" MPAN core {core} is not distributor {state.distributor_id}'s;"
                    " nothing was applied",
                    line=point.line_no,
                    group="R02",
                    item="mpan_core",
                )
            expected_gsp = gsp_groups.get(state.distributor_id)
            if expected_gsp and point.items["gsp_group"] != expected_gsp:
                raise FlowRejected(
                    f"GSP group {point.items['gsp_group']} is not distributor"
                    f" {state.distributor_id}'s GSP group {expected_gsp}",
                    line=point.line_no,
                    group="R02",
                    item="gsp_group",
                )
            state.points += 1
            yield point_row(point, distributor_id=state.distributor_id)
            for meter in point.children:
                if meter.group_id == "R04":
                    yield meter_row(meter, mpan_core=core)


_DONE = object()


def _batched(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_background(items: Iterator) -> Iterator:
    """Run `items` in a thread, handing them over (two at most waiting).

    The parser is pure Python and holds the GIL; the database calls of the consuming
    thread release it, so parsing and merging overlap (with the parsing process, so do
    reading its pipe and merging). An error in the producer is raised here, in the
    consuming thread, inside the transaction.
    """
    handed: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # noqa: BLE001 - raised again in the consumer
            put(error)

    producer = threading.Thread(target=produce, name="dtc-parse", daemon=True)
    producer.start()
    try:
        while (item := handed.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


def _stage_write(cursor, *, sql: RefreshSql, rows: list[tuple]) -> None:
    if sql.postgresql:
        # Binary COPY: half the client and server work of text COPY for these rows.
        with cursor.cursor.copy(f"COPY {STAGE} ({sql.names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([sql_type for _, sql_type in STAGE_COLUMNS])
            write = copy.write_row
            for row in rows:
                write(row)
        return
    marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
    insert = f"INSERT INTO {STAGE} ({sql.names}) VALUES ({marks})"
    for start in range(0, len(rows), _SQLITE_BATCH):
        cursor.executemany(insert, rows[start : start + _SQLITE_BATCH])


def _duplicate(cursor) -> FlowRejected:
    """The first point of this chunk listed before in the file (or twice in the chunk)."""
    cursor.execute(
        f"SELECT s.mpan_core, s.line_no, e.line_no FROM {STAGE} s JOIN {SEEN} e"
        " ON e.mpan_core = s.mpan_core WHERE s.kind = 'P'"
        f" UNION ALL SELECT mpan_core, MAX(line_no), MIN(line_no) FROM {STAGE}"
        " WHERE kind = 'P' GROUP BY mpan_core HAVING COUNT(*) > 1 ORDER BY 2 LIMIT 1"
    )
    core, line, first = cursor.fetchone()
    return FlowRejected(
        f"MPAN core {core} appears twice in the file (also on line {first})",
        line=line,
        group="R02",
        item="mpan_core",
    )


def _copy_write(cursor, *, data: bytes) -> None:
    """Stage a chunk of text COPY rows made by the parsing process."""
    columns = ", ".join(COPY_COLUMNS)
    with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
        copy.write(data)


def _chunk_merge(cursor, sql: RefreshSql, stage, points: int, state: _Refresh, now) -> None:
    """Stage one chunk (`stage(cursor)` writes it) and merge its `points` points."""
    cursor.execute(sql.empty)
    stage(cursor)
    if state.points_before == 0:
        # The distributor's first load: the registry's primary key refuses a core
        # listed twice, and nothing is absent at the end, so no SEEN. A duplicate
        # sends the file to the full reader, which names both lines.
        try:
            with transaction.atomic():
                cursor.execute(sql.insert_new, [now, False])
        except IntegrityError:
            raise Declined from None
        cursor.execute(sql.meters_insert_chunk)
        return
    try:
        # SEEN's primary key refuses a core listed twice; the savepoint lets us ask
        # which one (a good file pays nothing for the check).
        with transaction.atomic():
            cursor.execute(sql.seen)
    except DatabaseError:
        raise _duplicate(cursor) from None
    if not state.aligned:
        cursor.execute(sql.keep_meters)
    if sql.postgresql:
        cursor.execute(sql.upsert_counting_new, [now, False])
        existing = points - cursor.fetchone()[0]
    else:
        cursor.execute(sql.upsert, [now, False])
        existing = points
    state.points_existing += existing
    if state.aligned:
        if existing:
            cursor.execute(sql.keep_meters)
            cursor.execute(sql.reconcile_later)
            state.reconcile = True
        else:  # new points only: their meters are all in this chunk, none in the registry
            cursor.execute(sql.meters_insert_chunk)


def _meters_merge(cursor, sql: RefreshSql, state: _Refresh) -> None:
    if state.aligned:
        if state.reconcile:
            cursor.execute(sql.reconcile_delete)
            cursor.execute(sql.meters_insert)
        return
    if state.points_existing:
        cursor.execute(sql.meters_delete)
        cursor.execute(sql.meters_insert)
    else:
        # Points that did not exist before have no meters yet (e.g. the first load).
        cursor.execute(sql.meters_insert_all)


def _absent_delete(cursor, sql: RefreshSql, distributor_id: str) -> None:
    low, high = distributor_id, str(int(distributor_id) + 1)
    cursor.execute(sql.gone_meters, [low, high])
    cursor.execute(sql.gone_links, [low, high, low, high])
    touched = {core for pair in cursor.fetchall() for core in pair}
    cursor.execute(sql.gone_points, [low, high])
    if touched:
        related_indicator_refresh(mpan_cores=touched)


def refresh_apply(
    instances: Iterable,
    *,
    sender: RefreshSender,
    gsp_groups: dict[str, str],
    path: Path | None = None,
    accepted_versions: Mapping[str, Iterable[str]] | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """D0204: a full refresh makes the distributor's points exactly the file's; a
    selective one inserts or updates the points it lists. Meters of the listed
    points become the file's. R01 must name one of the `sender`'s distributor ids, and
    every point must be that distributor's (both paths; otherwise FlowRejected).

    `instances` is the file's reader, not yet iterated. Given the stored file's `path`
    (and the reader's `accepted_versions`), PostgreSQL takes the fast path: a second
    process parses while this one merges. If that path declines the file, the
    savepoint undoes what it did and `instances` are applied as always, which explains
    the fault."""
    sql = RefreshSql()
    if sql.postgresql and path is not None:
        try:
            with transaction.atomic():
                return _refresh_apply_pipelined(
                    sql,
                    path,
                    sender=sender,
                    gsp_groups=gsp_groups,
                    accepted_versions=accepted_versions,
                    progress=progress,
                )
        except Declined:
            logger.info("the fast path declined %s; reading it with the full reader", path)
    state, now = _Refresh(), timezone.now()
    with connection.cursor() as cursor:
        _stage_create(cursor, sql)
        rows = _refresh_rows(instances, state, gsp_groups, sender)
        for chunk in _in_background(_batched(rows, CHUNK_ROWS)):
            points = sum(1 for row in chunk if row[1] == "P")
            _chunk_merge(
                cursor, sql, partial(_stage_write, sql=sql, rows=chunk), points, state, now
            )
        return _refresh_finish(cursor, sql, state)


def _stage_create(cursor, sql: RefreshSql) -> None:
    if sql.postgresql:
        # Room for the hash joins of the merge, for this transaction only.
        cursor.execute("SET LOCAL work_mem = '64MB'")
    for statement in sql.create:
        cursor.execute(statement)


def _refresh_apply_pipelined(
    sql: RefreshSql,
    path: Path,
    *,
    sender: RefreshSender,
    gsp_groups: dict[str, str],
    accepted_versions: Mapping[str, Iterable[str]] | None,
    progress: Progress | None,
) -> ApplyResult:
    state, now = _Refresh(aligned=True), timezone.now()
    size = path.stat().st_size
    # Another distributor's refresh (or no readable R01): the full reader names the
    # fault. Decided before any lock is taken or any row is written.
    peeked = refresh_distributor_peek(path)
    if peeked not in sender.distributor_ids:
        raise Declined
    with connection.cursor() as cursor:
        _stage_create(cursor, sql)
        # A distributor's first load COPYs straight into the registry's tables: no
        # staging, no merge. Chosen before the parsing starts, from the R01 line.
        direct = _points_before_count(cursor, sql, peeked) == 0
        child = ParsingProcess(
            path,
            accepted_versions=accepted_versions,
            gsp_groups=gsp_groups,
            chunk_rows=CHUNK_ROWS,
            direct_tail=f"{now.isoformat()}\tf" if direct else None,
        )
        try:
            for data, points, offset, split in _in_background(iter(child)):
                if state.points_before is None:
                    state.refresh_type, state.distributor_id = child.refresh
                    # The parsing process read R01 itself; the peek was a hint. (Each
                    # point's core is checked against R01 there.)
                    if state.distributor_id != peeked:
                        raise Declined
                    state.points_before = _points_before_count(cursor, sql, state.distributor_id)
                if direct:
                    _direct_copy(cursor, sql, data, split)
                else:
                    _chunk_merge(cursor, sql, partial(_copy_write, data=data), points, state, now)
                state.points += points
                if progress:
                    progress(offset, size)
        finally:
            child.close()
        return _refresh_finish(cursor, sql, state)


def _direct_copy(cursor, sql: RefreshSql, data: bytes, split: int) -> None:
    """A first load's chunk: its points, then its meters, into the registry's tables."""
    view = memoryview(data)
    try:
        with transaction.atomic():
            with cursor.cursor.copy(sql.direct_points) as copy:
                copy.write(view[:split])
            with cursor.cursor.copy(sql.direct_meters) as copy:
                copy.write(view[split:])
    except (IntegrityError, DataError, psycopg.IntegrityError, psycopg.DataError):
        # (The raw cursor's COPY raises psycopg's own errors.) A core listed twice
        # (the primary key), or a value PostgreSQL reads otherwise than the checks:
        # the full reader names the first and stores the second.
        raise Declined from None


def _points_before_count(cursor, sql: RefreshSql, distributor_id: str) -> int:
    """The distributor's points now; refreshes of one distributor wait for each other
    from here to their commit, so the count holds for the whole transaction."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REFRESH_LOCK, int(distributor_id)])
    low, high = distributor_id, str(int(distributor_id) + 1)
    cursor.execute(sql.points_before, [low, high])
    return cursor.fetchone()[0]


def _refresh_finish(cursor, sql: RefreshSql, state: _Refresh) -> ApplyResult:
    """Once every chunk is in: the meters, and for a full refresh the absent points."""
    if not state.refresh_type:
        raise FlowRejected("the refresh has no R01 group", group="R01")
    _meters_merge(cursor, sql, state)
    # Nothing is absent when every point the distributor had is in the file (exact
    # counts on PostgreSQL only): a daily refresh then skips two range scans.
    if state.refresh_type == "F" and (
        state.points_before is None or state.points_existing < state.points_before
    ):
        _absent_delete(cursor, sql, state.distributor_id)
    for statement in sql.drop:
        cursor.execute(statement)
    return ApplyResult(accepted=state.points, distributor_id=state.distributor_id)
