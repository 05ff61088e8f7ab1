"""The fast path of a D0204 refresh on PostgreSQL: parsing in a second process.

The parser is pure Python and holds the GIL, so in one process it and the COPY client
share one core. Here a child process reads the stored file with the DTC fast line
reader (`DtcReader.lines`: every check, no objects per line) and sends text COPY rows,
a chunk at a time, through a pipe; the parent forwards each chunk to PostgreSQL
untouched and merges it, while the child parses the next. Both cores work: one on
Python, one on PostgreSQL.

The child is a *spawned* process: a fresh interpreter that imports only this module,
so it inherits none of the worker's database connections, pool threads or locks (a
fork would copy them mid-use). Spawned, it is the worker's own child, so its CPU time
and peak memory count in the worker's RUSAGE_CHILDREN (the benchmarks report them).
It costs a fresh interpreter per file (0.1 s idle, 0.5 s at a load average of 16).

It is started with billiard, Celery's maintained fork of `multiprocessing` (the same
API), not the standard library's: a Celery prefork worker is a daemonic process, and
`multiprocessing` refuses to start a child from one ("daemonic processes are not
allowed to have children"); billiard allows it.
The pipe is an OS pipe: the child blocks when it is full, so at most one chunk waits
on each side and memory stays flat for any file size.

The child never explains a fault: at anything it does not accept (a bad line, a point
of another distributor, a bad trailer) it says "declined" and the caller reads the
file again through the full reader, which names the fault exactly as before (or, if
the fast path was stricter than the rules, applies the file).
"""

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import billiard

from dtc import read_flow
from registry.records import (
    copy_meter_row,
    copy_point_head,
    copy_point_row,
    direct_meter_row,
    direct_point_row,
)

_SPAWN = billiard.get_context("spawn")
# The messages from the child; a CHUNK message is followed by the chunk's bytes.
REFRESH, CHUNK, END, DECLINED = "refresh", "chunk", "end", "declined"


class Declined(Exception):
    """The fast path gave up on this file; use the full reader."""


def refresh_distributor_peek(path: Path) -> str | None:
    """The distributor id of a refresh's R01 line (its second), unchecked: a hint
    for choosing the path before the parsing starts; the parsing process checks it."""
    with path.open("rb") as stream:
        stream.readline(4096)
        fields = stream.readline(4096).split(b"|")
    if len(fields) == 4 and fields[0] == b"R01" and fields[2].isdigit():
        return fields[2].decode()
    return None


def _copy_chunks(
    path: Path,
    *,
    accepted_versions: Mapping[str, object] | None,
    gsp_groups: Mapping[str, str],
    chunk_rows: int,
    direct_tail: str | None = None,
) -> Iterator[tuple[bytes, int, int, int]]:
    """First (refresh type and distributor id, -1, 0, 0), then (COPY text, points, bytes
    read, split) per chunk. Raises on anything the fast path does not accept.

    With `direct_tail` (a distributor's first load) the rows are the registry's own,
    points then meters (the meters start at `split`); otherwise staging rows."""
    if direct_tail is not None:
        yield from _direct_chunks(
            path,
            accepted_versions=accepted_versions,
            gsp_groups=gsp_groups,
            chunk_rows=chunk_rows,
            tail=direct_tail,
        )
        return
    with path.open("rb") as stream:
        reader = read_flow(stream, accepted_versions=accepted_versions)
        lines = iter(reader.lines())
        line_no, _, fields = next(lines)
        if fields[0] != "R01":
            raise Declined
        refresh_type, distributor_id = fields[1], fields[2]
        yield f"{refresh_type}|{distributor_id}".encode(), -1, 0, 0
        gsp_group = gsp_groups.get(distributor_id)
        rows: list[str] = []
        append = rows.append
        points = 0
        core = head = ""
        for line_no, text, fields in lines:
            gid = fields[0]
            if gid == "R04":
                append(copy_meter_row(text, fields, line_no, core))
            elif gid == "R02":
                if len(rows) >= chunk_rows:
                    yield "".join(rows).encode(), points, stream.tell(), 0
                    rows.clear()
                    points = 0
                core = fields[1]
                if not core.startswith(distributor_id) or (gsp_group and fields[2] != gsp_group):
                    raise Declined
                head = copy_point_head(text, line_no)
                points += 1
            else:  # R03: a point's row is complete once its address is read
                append(copy_point_row(head, text, fields, distributor_id))
        yield "".join(rows).encode(), points, stream.tell(), 0


def _direct_chunks(
    path: Path,
    *,
    accepted_versions: Mapping[str, object] | None,
    gsp_groups: Mapping[str, str],
    chunk_rows: int,
    tail: str,
) -> Iterator[tuple[bytes, int, int, int]]:
    with path.open("rb") as stream:
        reader = read_flow(stream, accepted_versions=accepted_versions)
        lines = iter(reader.lines())
        _, _, fields = next(lines)
        if fields[0] != "R01":
            raise Declined
        refresh_type, distributor_id = fields[1], fields[2]
        yield f"{refresh_type}|{distributor_id}".encode(), -1, 0, 0
        gsp_group = gsp_groups.get(distributor_id)
        tail = f"{distributor_id}\t{tail}"
        points_rows: list[str] = []
        meter_rows: list[str] = []
        core = r02_text = ""
        r02_fields: list[str] = []

        def chunk() -> tuple[bytes, int, int, int]:
            head = "".join(points_rows).encode()
            data = head + "".join(meter_rows).encode()
            return data, len(points_rows), stream.tell(), len(head)

        for _, text, fields in lines:
            gid = fields[0]
            if gid == "R04":
                meter_rows.append(direct_meter_row(text, fields, core))
            elif gid == "R02":
                if len(points_rows) + len(meter_rows) >= chunk_rows:
                    yield chunk()
                    points_rows.clear()
                    meter_rows.clear()
                core = fields[1]
                if not core.startswith(distributor_id) or (gsp_group and fields[2] != gsp_group):
                    raise Declined
                r02_text, r02_fields = text, fields
            else:  # R03
                points_rows.append(direct_point_row(r02_text, r02_fields, text, fields, tail))
        yield chunk()


def _child(out, path: Path, options: dict) -> None:
    """The spawned process: parse `path`, send its chunks through `out`."""
    with out:
        try:
            for payload, points, offset, split in _copy_chunks(path, **options):
                if points < 0:
                    out.send((REFRESH, *payload.decode().split("|")))
                else:
                    out.send((CHUNK, points, offset, split))
                    out.send_bytes(payload)
            out.send((END,))
        except OSError:
            return  # the parent stopped reading
        except Exception:  # noqa: BLE001 - every fault is explained by the full reader
            out.send((DECLINED,))


class ParsingProcess:
    """A spawned process that parses `path` into COPY chunks; iterate for
    (COPY bytes, points, bytes of the file read, split). `refresh` is (refresh type,
    distributor id) before the first chunk is handed out; the iteration ends when the
    whole file, trailer included, has been checked."""

    def __init__(
        self,
        path: Path,
        *,
        accepted_versions: Mapping[str, object] | None,
        gsp_groups: Mapping[str, str],
        chunk_rows: int,
        direct_tail: str | None = None,
    ) -> None:
        options = {
            "accepted_versions": accepted_versions,
            "gsp_groups": dict(gsp_groups),
            "chunk_rows": chunk_rows,
            "direct_tail": direct_tail,
        }
        self.refresh: tuple[str, str] | None = None
        self._received, sending = _SPAWN.Pipe(duplex=False)
        self._process = _SPAWN.Process(
            target=_child, args=(sending, path, options), name="refresh parsing", daemon=True
        )
        self._process.start()
        sending.close()  # the child holds the only sending end: its exit is our EOF

    def __iter__(self) -> Iterator[tuple[bytes, int, int, int]]:
        received = self._received
        while True:
            try:
                kind, *values = received.recv()
                payload = received.recv_bytes() if kind == CHUNK else b""
            except (EOFError, OSError):
                raise Declined from None  # the child died, or was stopped
            if kind == CHUNK:
                points, offset, split = values
                yield payload, points, offset, split
            elif kind == REFRESH:
                self.refresh = (values[0], values[1])
            elif kind == END:
                return
            else:
                raise Declined

    def close(self) -> None:
        """Stop the child (if still running) and collect it. The child goes first, so
        that a thread still reading the pipe gets its end at once."""
        self._process.terminate()  # SIGTERM: the child has no handler for it
        self._process.join()
        self._process.close()
        self._received.close()


Progress = Callable[[int, int], None]
