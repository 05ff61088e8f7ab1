"""A streaming reader for DTC flow files: bytes in, checked ``Instance`` objects out.

Memory stays flat for any file size: lines are read one at a time (each at most
``max_line_length`` bytes, even from a file without line breaks) and only the current
flow instance is held. The first fault stops the read with a DtcError naming the line,
group, item and reason; a file is good only once iteration has finished, because the
trailer's counts are checked last.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, BinaryIO

from dtc.errors import DtcError, FlowNotAccepted
from dtc.fast_lines import CONTROL_BYTES, fast_lines
from dtc.flows import FLOWS, HEADER, TRAILER, FlowDefinition
from dtc.items import group_reader

# C0 and C1 control characters, DEL and NUL: text files have none of them (tabs and CRs
# inside a line included); their presence means binary data or a broken encoding.
_CONTROL_BYTE = re.compile(rb"[\x00-\x1f\x7f-\x9f]").search


@dataclass(slots=True)
class Instance:
    """One group line with its items and (for a flow instance) its child groups."""

    group_id: str
    line_no: int = field(default=0, compare=False)
    items: dict[str, Any] = field(default_factory=dict)
    children: list["Instance"] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    file_id: str
    flow_id: str
    version: str
    from_role: str
    from_mpid: str
    to_role: str
    to_mpid: str
    created: datetime
    sending_app: str | None
    receiving_app: str | None
    broadcast: str | None
    test_flag: str
    flow: FlowDefinition = field(repr=False, compare=False)


@dataclass(frozen=True)
class Trailer:
    file_id: str
    group_count: int
    checksum: str | None
    flow_count: int
    completed: datetime


@lru_cache(maxsize=32)
def group_readers(flow: FlowDefinition) -> dict[str, Any]:
    """group id -> compiled item reader, for every group of ``flow``."""
    return {group.group_id: group_reader(group) for group in flow.groups}


_read_header_items = group_reader(HEADER)
_read_trailer_items = group_reader(TRAILER)


def _printable(text: str, limit: int = 20) -> str:
    shown = text[:limit]
    return repr(shown + "..." if len(text) > limit else shown)


# A frame of the open-group stack: group id, its instance, counts of its child groups,
# position of the last child group seen. Groups without child groups are never pushed.
_GROUP_ID, _INSTANCE, _COUNTS, _LAST_CHILD = range(4)

# What happens to a line's instance: an envelope (an ancestor of the flow instance, like
# D0204's R01) is yielded at once and keeps no children; a flow instance is yielded when
# its last child has been read; anything deeper is attached to its parent.
_ENVELOPE, _YIELD, _ATTACH = range(3)
_WHAT = 4  # index of the mode in a _Plan.groups entry


@dataclass(frozen=True)
class _Plan:
    """What the reader needs per group, worked out once per flow definition."""

    # group id -> (item reader, parent id, max occurrences, position among the parent's
    # child groups, mode, has no child groups)
    groups: dict[str, tuple]
    # group id (None: the file) -> child groups that must occur, with their minimum
    required: dict[str | None, list[tuple[str, int]]]


@lru_cache(maxsize=32)
def _plan(flow: FlowDefinition) -> _Plan:
    readers = group_readers(flow)
    parent_of = {g.group_id: g.parent for g in flow.groups}
    envelopes = set()
    ancestor = parent_of[flow.instance_group]
    while ancestor is not None:
        envelopes.add(ancestor)
        ancestor = parent_of[ancestor]
    groups = {}
    for group in flow.groups:
        gid, parent = group.group_id, group.parent
        if gid in envelopes:
            mode = _ENVELOPE
        elif parent is None or parent in envelopes:
            mode = _YIELD
        else:
            mode = _ATTACH
        groups[gid] = (
            readers[gid],
            parent,
            group.max_occurs,
            flow.children(parent).index(group),
            mode,
            not flow.children(gid),
        )
    required = {
        parent: [(g.group_id, g.min_occurs) for g in flow.children(parent) if g.min_occurs]
        for parent in [None, *parent_of]
    }
    return _Plan(groups, required)


class DtcReader:
    """Reads one DTC file; see ``read_flow``."""

    def __init__(
        self,
        stream: BinaryIO | Iterable[bytes],
        *,
        accepted_versions: Mapping[str, Iterable[str]] | None = None,
        max_line_length: int = 2048,
        max_lines: int | None = None,
        flows: Mapping[str, FlowDefinition] | None = None,
    ) -> None:
        self.max_line_length = max_line_length
        self.max_lines = max_lines
        self.trailer: Trailer | None = None
        self.line_count = 0  # lines read so far, header included
        self.flow_count = 0  # flow instances read so far
        readline = getattr(stream, "readline", None)
        if readline is not None:
            # A size limit, so a file without line breaks is never read whole.
            self._raw_lines = iter(partial(readline, max_line_length + 2), b"")
        else:
            self._raw_lines = iter(stream)
        self._read = getattr(stream, "read", None) if readline is not None else None
        self.header = self._read_header(flows if flows is not None else FLOWS, accepted_versions)
        self._started = False

    @property
    def flow(self) -> FlowDefinition:
        return self.header.flow

    # ----------------------------------------------------------------- lines
    def _line_text(self, raw: bytes, line_no: int) -> str:
        """The checked text of one raw line: within the limits, no binary, ends with |."""
        if self.max_lines is not None and line_no > self.max_lines:
            raise DtcError(f"the file has more than {self.max_lines} lines", line_no=line_no)
        if not isinstance(raw, bytes | bytearray):
            raise TypeError("read_flow reads bytes: open the file in binary mode ('rb')")
        raw = raw.rstrip(b"\r\n")
        if len(raw) > self.max_line_length:
            raise DtcError(
                f"the line is longer than {self.max_line_length} characters", line_no=line_no
            )
        bad = _CONTROL_BYTE(raw)
        if bad:
            raise DtcError(_binary_reason(raw, bad.start()), line_no=line_no)
        text = raw.decode("latin-1")
        if not text.endswith("|"):
            reason = "the line is empty" if not text else "the line does not end with '|'"
            raise DtcError(reason, line_no=line_no)
        return text

    # ---------------------------------------------------------------- header
    def _read_header(
        self,
        flows: Mapping[str, FlowDefinition],
        accepted_versions: Mapping[str, Iterable[str]] | None,
    ) -> Header:
        raw = next(self._raw_lines, None)
        if raw is None or raw == b"":
            raise DtcError("the file is empty; expected a ZHV header", line_no=1)
        self.line_count = 1
        text = self._line_text(raw, 1)
        fields = text.split("|")
        if fields[0] != "ZHV":
            raise DtcError(
                f"the file does not start with a ZHV header (found {_printable(fields[0])})",
                line_no=1,
            )
        items = _read_header_items(fields, 1)
        flow_id, version = items["flow_version"][:5], items["flow_version"][5:]
        flow = flows.get(flow_id)
        if flow is None:
            raise FlowNotAccepted(
                f"{flow_id} version {version} is not accepted; accepted flows: "
                + ", ".join(sorted(flows)),
                line_no=1,
                group="ZHV",
                item="flow_version",
            )
        accepted = flow.accepted_versions
        if accepted_versions is not None and flow_id in accepted_versions:
            accepted = frozenset(accepted_versions[flow_id])
        if version not in accepted:
            raise FlowNotAccepted(
                f"{flow_id} version {version} is not accepted; accepted versions: "
                + (", ".join(sorted(accepted)) or "none"),
                line_no=1,
                group="ZHV",
                item="flow_version",
            )
        if items["from_role"] != flow.sender_role:
            raise DtcError(
                f"{flow_id} is sent by market role {flow.sender_role}, not {items['from_role']}",
                line_no=1,
                group="ZHV",
                item="from_role",
            )
        del items["flow_version"]
        return Header(flow_id=flow_id, version=version, flow=flow, **items)

    # ------------------------------------------------------------- instances
    def __iter__(self) -> Iterator[Instance]:
        if self._started:
            raise RuntimeError("a DtcReader can be iterated only once")
        self._started = True
        return self._instances()

    def lines(self) -> Iterator[tuple[int, str, list[str]]]:
        """The fast path: ``(line_no, text, fields)`` for every data line, checked
        exactly as ``iter(reader)`` checks it, with no Instance or dict per line; see
        ``dtc.fast_lines.fast_lines``. FastPathDeclined at a line it does not accept."""
        if self._started:
            raise RuntimeError("a DtcReader can be iterated only once")
        self._started = True
        return fast_lines(self)

    def _instances(self) -> Iterator[Instance]:
        flow = self.header.flow
        plan = _plan(flow)
        required = plan.required
        line_text = self._line_text
        max_length = self.max_line_length
        max_lines = self.max_lines
        control_bytes = CONTROL_BYTES
        flow_count = 0

        # The open groups, outermost first; the root frame stands for the file.
        root = [None, None, {}, -1]
        stack = [root]
        line_no = 1
        trailer_fields = None
        for raw in self._raw_lines:
            line_no += 1
            if max_lines is not None and line_no > max_lines:
                line_text(raw, line_no)  # raises: too many lines
            # The common case inline; line_text() repeats the checks to explain a fault.
            raw = raw.rstrip(b"\r\n")
            # Deleting the control bytes and comparing lengths is twice as fast as a search.
            size = len(raw)
            if size > max_length or len(raw.translate(None, control_bytes)) != size:
                line_text(raw, line_no)  # raises
            text = raw.decode("latin-1")
            if text[-1:] != "|":
                line_text(raw, line_no)  # raises
            fields = text.split("|")
            gid = fields[0]
            spec = plan.groups.get(gid)
            if spec is None:
                if gid == "ZPT":
                    trailer_fields = fields
                    break
                raise DtcError(_unknown_group_reason(gid, flow), line_no=line_no, group=gid[:20])
            read_items, parent, limit, position, what, is_leaf = spec
            instance = Instance(gid, line_no, read_items(fields, line_no), [])
            frame = stack[-1]
            if frame[_GROUP_ID] != parent:
                # Close the open groups down to this line's parent.
                if not any(open_frame[_GROUP_ID] == parent for open_frame in stack):
                    raise DtcError(
                        f"{gid} must follow its parent group {parent}",
                        line_no=line_no,
                        group=gid,
                    )
                while frame[_GROUP_ID] != parent:
                    stack.pop()
                    closed_id = frame[_GROUP_ID]
                    if required[closed_id]:
                        _check_required(frame, required)
                    if plan.groups[closed_id][_WHAT] == _YIELD:
                        self.line_count = line_no - 1
                        self.flow_count = flow_count
                        yield frame[_INSTANCE]
                    frame = stack[-1]
            counts = frame[_COUNTS]
            seen = counts[gid] = counts.get(gid, 0) + 1
            if limit is not None and seen > limit:
                where = (
                    f"the {parent} group at line {frame[_INSTANCE].line_no}" if parent else "a file"
                )
                raise DtcError(
                    f"{where} may hold at most {limit} {gid} group{'s' if limit > 1 else ''}",
                    line_no=line_no,
                    group=gid,
                )
            if position != frame[_LAST_CHILD]:
                if position < frame[_LAST_CHILD]:
                    raise DtcError(
                        f"{gid} must come before {_later_siblings(flow, gid, counts)}"
                        + (f" within the {parent} group" if parent else ""),
                        line_no=line_no,
                        group=gid,
                    )
                frame[_LAST_CHILD] = position
            if what == _ATTACH:
                frame[_INSTANCE].children.append(instance)
            elif what == _ENVELOPE:
                yield instance
            else:
                flow_count += 1
                if is_leaf:  # nothing can follow it inside: hand it out now
                    self.line_count = line_no
                    self.flow_count = flow_count
                    yield instance
            if not is_leaf:  # a leaf never becomes a parent: no need to keep it open
                stack.append([gid, instance, {}, -1])

        self.line_count = line_no
        self.flow_count = flow_count
        while len(stack) > 1:
            frame = stack.pop()
            _check_required(frame, required)
            if plan.groups[frame[_GROUP_ID]][_WHAT] == _YIELD:
                yield frame[_INSTANCE]
        _check_required(root, required, line_no=line_no)
        if trailer_fields is None:
            raise DtcError("the file ends without a ZPT trailer", line_no=line_no)
        self.trailer = self._read_trailer(trailer_fields, line_no)
        extra = next(self._raw_lines, None)
        if extra is not None:
            raise DtcError("there is more after the ZPT trailer", line_no=line_no + 1)

    # --------------------------------------------------------------- trailer
    def _read_trailer(self, fields: list[str], line_no: int) -> Trailer:
        items = _read_trailer_items(fields, line_no)

        def fault(item: str, reason: str) -> DtcError:
            return DtcError(reason, line_no=line_no, group="ZPT", item=item)

        if items["file_id"] != self.header.file_id:
            raise fault(
                "file_id",
                f"the trailer's file id {items['file_id']!r} does not match the "
                f"header's {self.header.file_id!r}",
            )
        group_count = int(items["group_count"])
        if group_count != line_no - 2:
            raise fault(
                "group_count",
                f"the trailer counts {group_count} group lines; "
                f"the file has {line_no - 2} between header and trailer",
            )
        flow_count = int(items["flow_count"])
        if flow_count != self.flow_count:
            raise fault(
                "flow_count",
                f"the trailer counts {flow_count} flow instances; "
                f"the file has {self.flow_count} {self.header.flow.instance_group} groups",
            )
        return Trailer(
            file_id=items["file_id"],
            group_count=group_count,
            checksum=items["checksum"],
            flow_count=flow_count,
            completed=items["completed"],
        )


def _check_required(frame: list, required: dict, line_no: int | None = None) -> None:
    """Raise if the closed group (or the file: ``frame`` is the root) lacks a child group
    that must occur."""
    gid = frame[_GROUP_ID]
    counts = frame[_COUNTS]
    for child, minimum in required.get(gid, ()):
        found = counts.get(child, 0)
        if found < minimum:
            if gid is None:
                raise DtcError(
                    f"the file needs at least {minimum} {child} group"
                    f"{'s' if minimum > 1 else ''}, found {found}",
                    line_no=line_no,
                    group=child,
                )
            raise DtcError(
                f"{gid} needs at least {minimum} {child} group{'s' if minimum > 1 else ''}, "
                f"found {found}",
                line_no=frame[_INSTANCE].line_no,
                group=gid,
            )


def _later_siblings(flow: FlowDefinition, gid: str, counts: dict) -> str:
    parent = flow.group(gid).parent
    siblings = [g.group_id for g in flow.children(parent)]
    later = [s for s in siblings[siblings.index(gid) + 1 :] if counts.get(s)]
    return " and ".join(later) or "its later siblings"


def _unknown_group_reason(gid: str, flow: FlowDefinition) -> str:
    groups = ", ".join(g.group_id for g in flow.groups)
    if gid == "ZHV":
        return "a second ZHV header: a file holds one flow"
    return f"{_printable(gid)} is not a group of {flow.flow_id} (its groups: {groups})"


def _binary_reason(raw: bytes, offset: int) -> str:
    byte = raw[offset]
    name = " (a NUL byte)" if byte == 0 else ""
    return (
        f"the line holds binary data: byte 0x{byte:02X}{name} at column {offset + 1}; "
        "a DTC file is text"
    )


def read_flow(
    stream: BinaryIO | Iterable[bytes],
    *,
    accepted_versions: Mapping[str, Iterable[str]] | None = None,
    max_line_length: int = 2048,
    max_lines: int | None = None,
    flows: Mapping[str, FlowDefinition] | None = None,
) -> DtcReader:
    """Open a DTC file for reading. Raises DtcError at once for a bad header.

    ``stream`` is a binary file (or any iterable of bytes lines). Iterate the reader for
    the flow instances: one ``Instance`` per flow instance (P01, R02, L01) with its child
    groups; groups above the flow instance (D0204's R01) come first, on their own, with no
    children. After the last instance the trailer is checked and ``reader.trailer`` set.
    ``accepted_versions`` (flow id -> versions) replaces the flow table's accepted
    versions for the flows it names. ``flows`` replaces the whole flow table (tests).
    """
    return DtcReader(
        stream,
        accepted_versions=accepted_versions,
        max_line_length=max_line_length,
        max_lines=max_lines,
        flows=flows,
    )
