"""Writing DTC files: the inverse of the reader, for tests, synthetic data and exports.

Every line is checked with the reader's own item checks before it is written, so a file
this writer produces always reads back to the same instances.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TextIO

from dtc.errors import DtcError
from dtc.flows import DATE, DATETIME, FLOWS, HEADER, TEXT, TRAILER, FlowDefinition, Group
from dtc.items import group_reader
from dtc.parser import Instance, Trailer, group_readers

# What the reader refuses in a line: control characters (see parser._CONTROL_BYTE) and,
# since files are latin-1, anything beyond it.
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f]|[^\x00-\xff]").search

_check_header = group_reader(HEADER)
_check_trailer = group_reader(TRAILER)


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("DTC timestamps need an aware datetime (they are written in UTC)")
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


# Dates repeat a great deal in a registry file: each is formatted once.
_DATE_TEXTS: dict[date, str] = {}
_DATE_TEXTS_LIMIT = 50_000


def _item_text(group: Group, index: int, value: Any, line_no: int) -> str:
    """The text of a value that is not a plain string."""
    item = group.items[index]
    kind = item.format.kind
    if isinstance(value, datetime) and kind == DATETIME:
        return _timestamp(value)
    if isinstance(value, date) and not isinstance(value, datetime) and kind == DATE:
        text = _DATE_TEXTS.get(value)
        if text is None:
            if len(_DATE_TEXTS) >= _DATE_TEXTS_LIMIT:
                _DATE_TEXTS.clear()
            text = _DATE_TEXTS[value] = f"{value.year:04d}{value.month:02d}{value.day:02d}"
        return text
    if isinstance(value, str):
        raise DtcError(
            f"{value!r} holds '|', the field separator",
            line_no=line_no,
            group=group.group_id,
            item=item.name,
        )
    raise DtcError(
        f"{value!r} ({type(value).__name__}) cannot be written as {item.format.label}",
        line_no=line_no,
        group=group.group_id,
        item=item.name,
    )


_LAYOUTS: dict[int, tuple[Group, tuple]] = {}


def _layout(group: Group) -> tuple[tuple[str, ...], frozenset[str], bool]:
    """Item names, the same as a set, and whether any item is free text."""
    # Keyed by identity: hashing a frozen group (all its items) per line cost more
    # than writing the line. The group is kept in the value, so its id stays its own.
    found = _LAYOUTS.get(id(group))
    if found is None:
        names = tuple(item.name for item in group.items)
        has_text = any(item.format.kind == TEXT for item in group.items)
        found = _LAYOUTS[id(group)] = (group, (names, frozenset(names), has_text))
    return found[1]


def _line(group: Group, items: Mapping[str, Any], line_no: int, check) -> str:
    names, known, has_text = _layout(group)
    if not known.issuperset(items):
        unknown = sorted(set(items) - known)
        raise DtcError(
            f"{', '.join(unknown)} not in the layout (items: {', '.join(names)})",
            line_no=line_no,
            group=group.group_id,
        )
    fields = [group.group_id]
    append = fields.append
    get = items.get
    for index, name in enumerate(names):
        value = get(name)
        if value is None:
            append("")
        elif type(value) is str and "|" not in value:
            append(value)
        else:
            append(_item_text(group, index, value, line_no))
    append("")
    check(fields, line_no)  # the reader's checks: raises DtcError for a bad value
    line = "|".join(fields)
    # Only free text can hold what a file cannot: the checks above refuse it elsewhere.
    bad = _UNWRITABLE(line) if has_text else None
    if bad:
        raise DtcError(
            f"character {bad.group()!r} cannot be written to a DTC file (latin-1 text, "
            "no control characters)",
            line_no=line_no,
            group=group.group_id,
        )
    return line


def write_flow(
    out: TextIO,
    *,
    flow_id: str,
    version: str,
    file_id: str,
    from_role: str,
    from_mpid: str,
    to_role: str,
    to_mpid: str,
    created: datetime,
    instances: Iterable[Instance],
    test_flag: str = "OPER",
    sending_app: str | None = None,
    receiving_app: str | None = None,
    broadcast: str | None = None,
    completed: datetime | None = None,
    line_ending: str = "\n",
    flows: Mapping[str, FlowDefinition] | None = None,
) -> Trailer:
    """Write a complete file (ZHV, the groups, ZPT with its counts) to a text stream.

    ``instances`` is streamed: flow instances with their children, in the form the
    reader yields them (D0204: the R01 first, then each R02); an instance may also carry
    its children nested (an R01 holding its R02s). Any version may be written, accepted
    or not, so that tests can build rejected files. Returns the trailer written.
    """
    flow = (flows if flows is not None else FLOWS).get(flow_id)
    if flow is None:
        raise DtcError(f"{flow_id} is not in the flow table", line_no=1, group="ZHV")
    header_items = {
        "file_id": file_id,
        "flow_version": f"{flow_id}{version}",
        "from_role": from_role,
        "from_mpid": from_mpid,
        "to_role": to_role,
        "to_mpid": to_mpid,
        "created": created,
        "sending_app": sending_app,
        "receiving_app": receiving_app,
        "broadcast": broadcast,
        "test_flag": test_flag,
    }
    out.write(_line(HEADER, header_items, 1, _check_header) + line_ending)
    checks = group_readers(flow)
    groups = {group.group_id: group for group in flow.groups}
    line_no = 1
    flow_count = 0

    def write(instance: Instance, parent: str | None) -> None:
        nonlocal line_no, flow_count
        line_no += 1
        group = groups.get(instance.group_id)
        if group is None:
            raise DtcError(
                f"{instance.group_id!r} is not a group of {flow_id}",
                line_no=line_no,
                group=instance.group_id,
            )
        if parent is not None and group.parent != parent:
            raise DtcError(
                f"{group.group_id} cannot be a child of {parent} (its parent is "
                f"{group.parent or 'the file'})",
                line_no=line_no,
                group=group.group_id,
            )
        out.write(_line(group, instance.items, line_no, checks[group.group_id]) + line_ending)
        if group.group_id == flow.instance_group:
            flow_count += 1
        for child in instance.children:
            write(child, group.group_id)

    for instance in instances:
        write(instance, None)
    line_no += 1
    trailer = Trailer(
        file_id=file_id,
        group_count=line_no - 2,
        checksum=None,
        flow_count=flow_count,
        completed=completed or created,
    )
    trailer_items = {
        "file_id": file_id,
        "group_count": str(trailer.group_count),
        "checksum": None,
        "flow_count": str(flow_count),
        "completed": trailer.completed,
    }
    out.write(_line(TRAILER, trailer_items, line_no, _check_trailer) + line_ending)
    return Trailer(**{**trailer.__dict__, "completed": trailer.completed.astimezone(UTC)})
