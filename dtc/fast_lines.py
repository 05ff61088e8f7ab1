"""The fast line reader: a D0204 refresh's lines checked with no object per line.

The speed device of the DTC parser, fenced here. ``fast_lines`` (``DtcReader.lines``)
reads a file in 1 MB blocks (one decode and one binary-byte check per block), splits
each line once and checks it with a checker generated per group from the flow table
(``compile_group_checker``). It must accept exactly what the full reader
(``iter(reader)``, ``dtc.items.group_reader``) accepts, and the generated checker
exactly what ``dtc.items.group_checker`` accepts: Hypothesis properties hold them
together (``tests/dtc/test_parser_fast_lines.py``). It never explains a fault: at
anything it does not accept it raises FastPathDeclined and the caller reads the file
again with the full reader, which names the fault.
"""

from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from dtc.errors import DtcError, FastPathDeclined
from dtc.flows import CODE, DATE, DIGITS, MPAN_CORE, TEXT, FlowDefinition, Format, Group
from dtc.items import DATES, value_problem
from dtc.mpan import CORE_TABLES as _CORE_TABLES

if TYPE_CHECKING:
    from dtc.parser import DtcReader

# C0 and C1 control characters, DEL and NUL (as the full reader refuses them), for
# bytes.translate: a block with any of them is left to the full reader.
CONTROL_BYTES = bytes([*range(0x00, 0x20), *range(0x7F, 0xA0)])

# The fast line reader's grammar, per flow: after a line of group X (None: the header),
# the groups that may come next. Only flows listed here have a fast path. It is a
# restatement of the flow table's parents, order and occurrences for the flows that are
# sent in millions of lines; tests check that it accepts exactly what the full reader
# accepts. ZPT is the trailer.
FAST_NEXT_GROUPS: dict[str, dict[str | None, frozenset[str]]] = {
    # R01 once, then any number of R02, each with exactly one R03 and then any R04s.
    "D0204": {
        None: frozenset({"R01"}),
        "R01": frozenset({"R02", "ZPT"}),
        "R02": frozenset({"R03"}),
        "R03": frozenset({"R04", "R02", "ZPT"}),
        "R04": frozenset({"R04", "R02", "ZPT"}),
    },
}


_FAST_BLOCK = 1 << 20  # bytes the fast path reads at a time


@lru_cache(maxsize=32)
def _fast_table(flow: FlowDefinition) -> dict[str | None, dict[str, Any]]:
    """after group -> {next group id -> its checker (None for the trailer)}."""
    checkers = {group.group_id: compile_group_checker(group) for group in flow.groups}
    return {
        after: {gid: checkers.get(gid) for gid in following}
        for after, following in FAST_NEXT_GROUPS[flow.flow_id].items()
    }


# Short codes (MPIDs, LLFCs, MTCs, SSCs) repeat across millions of lines: the checker
# remembers the valid ones, so a value seen before costs one set lookup. Bounded like
# the dates, so a hostile file cannot make it grow without bound.
_KNOWN_LIMIT = 100_000


def _remembering(check: Callable[[str], bool]) -> tuple[set[str], Callable[[str], bool]]:
    known: set[str] = set()

    def check_and_remember(text: str) -> bool:
        if not check(text):
            return False
        if len(known) >= _KNOWN_LIMIT:
            known.clear()
        known.add(text)
        return True

    return known, check_and_remember


def _date_ok(text: str) -> bool:
    try:
        DATES[text]
    except KeyError:
        return False
    return True


def compile_group_checker(group: Group) -> Callable[[list[str]], bool]:
    """A function ``check(fields) -> bool`` for lines of ``group``: True when every item
    is valid, False at the first fault.

    The generated twin of ``dtc.items.group_checker`` (the reference): the same checks
    (``value_problem`` decides every value not seen before), one straight-line test per
    item, short codes and dates remembered once valid, the MPAN check digit inlined.
    It does not explain a fault: a caller that gets False reads the file again with
    the full reader for the reason.

    Measured gain (30 November 2026, the 1 M-point D0204 of bench_ingest, the fast line
    reader alone, load average 10): 5.3 s of CPU against 10.8 s with ``group_checker``,
    so the parsing process of a first load would need about 14 s of CPU instead of
    8.7 s: well over the 10 % that pays for generated code.
    """
    namespace: dict[str, Any] = {"_dates": DATES, "_date_ok": _date_ok, "_t": _CORE_TABLES}
    count = len(group.items)
    names = [f"v{i}" for i in range(count)]
    body = [f"if len(fields) != {count + 2}:", "    return False"]
    body.append(f"_, {', '.join(names)}, _ = fields")
    for index, item in enumerate(group.items):
        var, fmt = names[index], item.format
        if fmt.kind == MPAN_CORE:
            # is_valid_core inlined: a core is unique, so nothing to remember.
            test = (
                f"len({var}) != 13 or {var}[12] != _digit_of("
                f"_t[0].get({var}[0:3], _BAD) + _t[1].get({var}[3:6], _BAD)"
                f" + _t[2].get({var}[6:9], _BAD) + _t[3].get({var}[9:12], _BAD))"
            )
            namespace["_digit_of"], namespace["_BAD"] = _core_digit, _NOT_DIGITS
        elif fmt.kind == DATE:
            test = f"{var} not in _dates and not _date_ok({var})"
        elif fmt.kind == CODE:
            namespace[f"_codes{index}"] = frozenset(fmt.codes)
            test = f"{var} not in _codes{index}"
        elif fmt.kind == TEXT:
            low = max(fmt.min_length, 1)  # not blank is already known
            test = f"not {low} <= len({var}) <= {fmt.max_length}"
        elif fmt.kind == DIGITS and fmt.max_length > 4:  # a UPRN: unique, not remembered
            test = (
                f"not ({fmt.min_length} <= len({var}) <= {fmt.max_length}"
                f" and {var}.isdigit() and {var}.isascii())"
            )
        else:
            known, check = _remembering(partial(_value_ok, fmt))
            namespace[f"_known{index}"], namespace[f"_check{index}"] = known, check
            test = f"{var} not in _known{index} and not _check{index}({var})"
        if item.mandatory:
            body += [f"if not {var} or {test}:", "    return False"]
        else:
            body += [f"if {var} and ({test}):", "    return False"]
    body.append("return True")
    source = "def check(fields):\n" + "".join(f"    {line}\n" for line in body)
    # The source is built from the flow table above, never from file content.
    exec(compile(source, f"<dtc checker for group {group.group_id}>", "exec"), namespace)  # noqa: S102
    check = namespace["check"]
    check.__doc__ = f"Whether every item of a {group.group_id} line is valid."
    check.source = source
    return check


def _value_ok(fmt: Format, text: str) -> bool:
    return value_problem(fmt, text) is None


# Stands in for a part of a core that is not three digits: makes any sum negative.
_NOT_DIGITS = -(10**6)


def _core_digit(total: int) -> str:
    """The check digit character for a weighted sum (a sum below zero: not digits)."""
    return "0123456789"[total % 11 % 10] if total >= 0 else "x"


def fast_lines(reader: "DtcReader") -> Iterator[tuple[int, str, list[str]]]:
    """``reader.lines()``: ``(line_no, text, fields)`` for every data line, checked.

    For consumers that want the checked texts of each line as they are, with no
    Instance or dict per line (a COPY of millions of lines). ``text`` is the line
    without its line break, ``fields`` its ``|``-split (group id first, then the
    items, then the empty text after the last ``|``). Values are checked exactly
    as ``iter(reader)`` checks them but not converted (dates stay YYYYMMDD).

    It never explains a fault: at the first line it does not accept it raises
    FastPathDeclined, and the caller reads the file again with ``iter(reader)``,
    which gives the reason (or accepts the file). The trailer is checked as the
    full reader checks it. Only flows in FAST_NEXT_GROUPS have a fast path.
    """
    flow = reader.header.flow
    if flow.flow_id not in FAST_NEXT_GROUPS:
        raise ValueError(f"{flow.flow_id} has no fast path")
    table = _fast_table(flow)
    instance_group = flow.instance_group
    max_length = reader.max_line_length
    max_lines = reader.max_lines
    allowed = table[None]
    flow_count = 0
    line_no = 1
    for text in _fast_texts(reader):
        line_no += 1
        if len(text) > max_length or text[-1:] != "|":
            raise FastPathDeclined(line_no)
        fields = text.split("|")
        gid = fields[0]
        if gid not in allowed:
            raise FastPathDeclined(line_no)
        check = allowed[gid]
        if check is None:  # the trailer
            if max_lines is not None and line_no > max_lines:
                raise FastPathDeclined(line_no)
            reader.line_count = line_no
            reader.flow_count = flow_count
            reader.trailer = reader._read_trailer(fields, line_no)
            if next(_fast_texts(reader), None) is not None:
                raise DtcError("there is more after the ZPT trailer", line_no=line_no + 1)
            return
        if not check(fields):
            raise FastPathDeclined(line_no)
        if gid == instance_group:
            flow_count += 1
        allowed = table[gid]
        yield line_no, text, fields
    if max_lines is not None and line_no > max_lines:
        raise FastPathDeclined(line_no)
    raise FastPathDeclined(line_no)  # no trailer


def _fast_texts(reader: "DtcReader") -> Iterator[str]:
    """The remaining lines as text, read in large blocks (one decode and one check
    for binary bytes per block, not per line); FastPathDeclined on any control byte
    other than the line breaks, or a block without a line break."""
    read = reader._read
    if read is None:  # an iterable of lines: one by one
        for raw in reader._raw_lines:
            yield from _fast_block(reader, raw)
        return
    control_bytes = CONTROL_BYTES
    rest = b""
    while block := read(_FAST_BLOCK):
        block = rest + block
        end = block.rfind(b"\n") + 1
        if not end:
            if len(block) > reader.max_line_length + 2:
                raise FastPathDeclined(reader.line_count)
            rest = block
            continue
        block, rest = block[:end], block[end:]
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n")
        if len(block.translate(None, control_bytes)) != len(block) - block.count(b"\n"):
            raise FastPathDeclined(reader.line_count)
        texts = block.decode("latin-1").split("\n")
        texts.pop()  # the empty text after the last line break
        yield from texts
    if rest:
        yield from _fast_block(reader, rest)


def _fast_block(reader: "DtcReader", raw: bytes) -> list[str]:
    """One raw line (the last, or from an iterable) as the block reader would give it."""
    raw = raw[:-1] if raw.endswith(b"\n") else raw
    raw = raw[:-1] if raw.endswith(b"\r") else raw
    if len(raw.translate(None, CONTROL_BYTES)) != len(raw):
        raise FastPathDeclined(reader.line_count)
    return [raw.decode("latin-1")]
