"""The fast path of a D0204 refresh on PostgreSQL: parsing in a second process.

The parser is pure Python and holds the GIL, so in one process it and the COPY client
share one core. Here a forked child reads the stored file with the DTC fast line
reader (`DtcReader.lines`: every check, no objects per line) and writes text COPY rows,
a chunk at a time, into a pipe; the parent forwards each chunk to PostgreSQL untouched
and merges it, while the child parses the next. Both cores work: one on Python, one on
PostgreSQL.

The child never explains a fault: at anything it does not accept (a bad line, a point
of another distributor, a bad trailer) it says "declined" and the caller reads the
file again through the full reader, which names the fault exactly as before (or, if
the fast path was stricter than the rules, applies the file). The child never touches
the parent's database connection and leaves with os._exit.
"""

import contextlib
import os
import signal
import struct
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from dtc import read_flow
from registry.records import (
    copy_meter_row,
    copy_point_head,
    copy_point_row,
    direct_meter_row,
    direct_point_row,
)

# A frame: kind, payload length, where the payload's second part starts (a direct
# chunk: points, then meters), points in the payload, bytes of the file read so far.
_FRAME = struct.Struct("!cQQQQ")
REFRESH, CHUNK, END, DECLINED = b"R", b"C", b"E", b"D"


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


def _write_frame(
    out, kind: bytes, payload: bytes = b"", points: int = 0, offset: int = 0, split: int = 0
):
    out.write(_FRAME.pack(kind, len(payload), split or len(payload), points, offset))
    out.write(payload)


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


def _child(write_fd: int, path: Path, options: dict) -> int:
    with os.fdopen(write_fd, "wb", buffering=1 << 16) as out:
        try:
            for payload, points, offset, split in _copy_chunks(path, **options):
                if points < 0:
                    _write_frame(out, REFRESH, payload)
                else:
                    _write_frame(out, CHUNK, payload, points, offset, split)
            _write_frame(out, END)
        except BrokenPipeError:
            return 1  # the parent stopped reading
        except Exception:  # noqa: BLE001 - every fault is explained by the full reader
            _write_frame(out, DECLINED)
    return 0


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise Declined  # the child died
    return data


class ParsingProcess:
    """A forked child that parses `path` into COPY chunks; iterate for
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
        read_fd, write_fd = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: parse, write, leave without running any cleanup
            code = 1
            try:
                os.close(read_fd)
                code = _child(write_fd, path, options)
            finally:
                os._exit(code)
        os.close(write_fd)
        self._stream = os.fdopen(read_fd, "rb", buffering=1 << 20)

    def __iter__(self) -> Iterator[tuple[bytes, int, int, int]]:
        while True:
            header = _read_exactly(self._stream, _FRAME.size)
            kind, size, split, points, offset = _FRAME.unpack(header)
            payload = _read_exactly(self._stream, size)
            if kind == CHUNK:
                yield payload, points, offset, split
            elif kind == REFRESH:
                refresh_type, distributor_id = payload.decode().split("|")
                self.refresh = (refresh_type, distributor_id)
            elif kind == END:
                return
            else:
                raise Declined

    def close(self) -> None:
        """Stop the child (if still running) and collect it. The child goes first, so
        that a thread still reading the pipe gets its end at once."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self._stream.close()


Progress = Callable[[int, int], None]
