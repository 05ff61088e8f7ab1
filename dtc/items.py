"""Checking and converting item values, the parser's hot path.

``value_problem`` and ``convert_value`` are the plain reference. ``compile_group_reader``
turns one group of the flow table into a function with one straight-line check per
item: the parser calls it for each of tens of millions of lines, where a generic loop
over the items, with a function call per item, costs about twice as much. When a check
fails, the generated code asks the reference for the reason, so both always agree (a
test compares them).
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from dtc.errors import DtcError
from dtc.flows import (
    ALPHANUMERIC,
    CODE,
    DATE,
    DATETIME,
    DIGITS,
    FLOW_VERSION,
    MPAN_CORE,
    MPID,
    TEXT,
    Format,
    Group,
)
from dtc.mpan import CORE_TABLES as _CORE_TABLES
from dtc.mpan import core_problem, is_valid_core

_UPPER_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

# Dates repeat a great deal in a registry file (a few thousand distinct values across
# millions of lines), so each is parsed once: looking one up is a plain dict lookup, and
# only a miss runs Python code. Only valid dates get in and the cache is emptied when it
# grows large, so a hostile file cannot make it grow without bound.
_DATES_LIMIT = 50_000


class _DateCache(dict):
    def __missing__(self, text: str) -> date:
        """Parse a date not seen before; KeyError if ``text`` is not YYYYMMDD."""
        if len(text) != 8 or not (text.isascii() and text.isdigit()):
            raise KeyError(text)
        try:
            found = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            raise KeyError(text) from None
        if len(self) >= _DATES_LIMIT:
            self.clear()
        self[text] = found
        return found


_DATES = _DateCache()


def date_or_none(text: str) -> date | None:
    """The date written as YYYYMMDD, or None if ``text`` is not one."""
    try:
        return _DATES[text]
    except KeyError:
        return None


def datetime_or_none(text: str) -> datetime | None:
    """The UTC date and time written as YYYYMMDDHHMMSS, or None if ``text`` is not one."""
    if len(text) != 14 or not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def flow_version_ok(text: str) -> bool:
    """A flow id (a capital letter and four digits) followed by a 3-digit version."""
    return len(text) == 8 and text.isascii() and text[0].isupper() and text[1:].isdigit()


def _not_a(fmt: Format, text: str) -> str:
    article = f"{fmt.article} " if fmt.article else ""
    return f"{text!r} is not {article}{fmt.label}"


def value_problem(fmt: Format, text: str) -> str | None:
    """Why ``text`` (not blank) is not a value of ``fmt``, or None when it is one."""
    kind = fmt.kind
    if kind == MPAN_CORE:
        problem = core_problem(text)
        return f"{text!r} is not a valid MPAN core: {problem}" if problem else None
    if kind == DATE:
        return None if date_or_none(text) else f"{text!r} is not a valid date (YYYYMMDD)"
    if kind == DATETIME:
        if datetime_or_none(text):
            return None
        return f"{text!r} is not a valid date and time (YYYYMMDDHHMMSS)"
    if kind == CODE:
        return None if text in fmt.codes else _not_a(fmt, text)
    if kind == TEXT:
        if len(text) > fmt.max_length:
            return f"{text!r} is longer than {fmt.max_length} characters"
        if len(text) < fmt.min_length:
            return f"{text!r} is shorter than {fmt.min_length} characters"
        return None
    if kind == DIGITS:
        ok = fmt.min_length <= len(text) <= fmt.max_length and text.isascii() and text.isdigit()
        return None if ok else _not_a(fmt, text)
    if kind in (MPID, ALPHANUMERIC):
        ok = fmt.min_length <= len(text) <= fmt.max_length and _UPPER_ALNUM.issuperset(text)
        return None if ok else _not_a(fmt, text)
    if kind == FLOW_VERSION:
        return None if flow_version_ok(text) else _not_a(fmt, text)
    raise ValueError(f"unknown format kind {kind!r}")


def convert_value(fmt: Format, text: str) -> Any:
    """The Python value of ``text`` (already checked with ``value_problem``)."""
    if fmt.kind == DATE:
        return date_or_none(text)
    if fmt.kind == DATETIME:
        return datetime_or_none(text)
    return text


def _item_error(group: Group, index: int, text: str, line_no: int) -> None:
    """Raise the error for item ``index`` of ``group``: blank but mandatory, or bad."""
    item = group.items[index]
    if not text:
        reason = "the item is mandatory but blank"
    else:
        reason = value_problem(item.format, text) or f"{text!r} is not valid"
    raise DtcError(reason, line_no=line_no, group=group.group_id, item=item.name)


def _count_error(group: Group, fields: list[str], line_no: int) -> None:
    expected = len(group.items)
    found = len(fields) - 2
    raise DtcError(
        f"expected {expected} items, found {found}", line_no=line_no, group=group.group_id
    )


def _check_source(fmt: Format, var: str, index: int, namespace: dict) -> list[str]:
    """Statements that check ``var`` (known not blank) and put its value back in it."""
    fail = f"_fail({index}, {var}, line_no)"
    kind = fmt.kind
    if kind == MPAN_CORE:
        return [f"if not _is_valid_core({var}):", f"    {fail}"]
    if kind == DATE:
        return ["try:", f"    {var} = _dates[{var}]", "except KeyError:", f"    {fail}"]
    if kind == DATETIME:
        return [
            f"_d = _datetime_or_none({var})",
            "if _d is None:",
            f"    {fail}",
            f"{var} = _d",
        ]
    if kind == CODE:
        namespace[f"_codes{index}"] = frozenset(fmt.codes)
        return [f"if {var} not in _codes{index}:", f"    {fail}"]
    if kind == TEXT:
        if fmt.min_length <= 1:  # not blank is already known
            return [f"if len({var}) > {fmt.max_length}:", f"    {fail}"]
        return [f"if not {fmt.min_length} <= len({var}) <= {fmt.max_length}:", f"    {fail}"]
    if kind == DIGITS:
        return [
            f"if not ({fmt.min_length} <= len({var}) <= {fmt.max_length} "
            f"and {var}.isdigit() and {var}.isascii()):",
            f"    {fail}",
        ]
    if kind in (MPID, ALPHANUMERIC):
        return [
            f"if not ({fmt.min_length} <= len({var}) <= {fmt.max_length} "
            f"and _upper_alnum_superset({var})):",
            f"    {fail}",
        ]
    if kind == FLOW_VERSION:
        return [f"if not _flow_version_ok({var}):", f"    {fail}"]
    raise ValueError(f"unknown format kind {kind!r}")


def compile_group_reader(group: Group) -> Callable[[list[str], int], dict[str, Any]]:
    """A function ``read(fields, line_no) -> items`` for lines of ``group``.

    ``fields`` is the line split on ``|``: the group id, the items, then the empty text
    after the final ``|``. It raises DtcError naming the line, group and item.
    """
    namespace: dict[str, Any] = {
        "_fail": partial(_item_error, group),
        "_count_error": partial(_count_error, group),
        "_is_valid_core": is_valid_core,
        "_dates": _DATES,
        "_datetime_or_none": datetime_or_none,
        "_upper_alnum_superset": _UPPER_ALNUM.issuperset,
        "_flow_version_ok": flow_version_ok,
    }
    count = len(group.items)
    names = [f"v{i}" for i in range(count)]
    body = [
        f"if len(fields) != {count + 2}:",
        "    _count_error(fields, line_no)",
        f"_, {', '.join(names)}, _ = fields",
    ]
    for index, item in enumerate(group.items):
        var = names[index]
        checks = _check_source(item.format, var, index, namespace)
        if item.mandatory:
            body += [f"if not {var}:", f"    _fail({index}, {var}, line_no)", *checks]
        else:
            body += [f"if {var}:", *("    " + c for c in checks), "else:", f"    {var} = None"]
    pairs = ", ".join(f"{item.name!r}: {names[i]}" for i, item in enumerate(group.items))
    body.append(f"return {{{pairs}}}")
    source = "def read(fields, line_no):\n" + "".join(f"    {line}\n" for line in body)
    # The source is built from the flow table above, never from file content.
    exec(compile(source, f"<dtc reader for group {group.group_id}>", "exec"), namespace)  # noqa: S102
    read = namespace["read"]
    read.__doc__ = f"Check and convert the items of a {group.group_id} line."
    read.source = source
    return read


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
        _DATES[text]
    except KeyError:
        return False
    return True


def compile_group_checker(group: Group) -> Callable[[list[str]], bool]:
    """A function ``check(fields) -> bool`` for lines of ``group``: True when every item
    is valid, False at the first fault.

    The fast path's twin of ``compile_group_reader``: the same checks (``value_problem``
    decides every value not seen before), generated from the same table, but nothing is
    converted and no dict is built, for consumers that want the checked texts as they
    are (a COPY, say). It does not explain a fault: a caller that gets False reads the
    line again with the group reader for the reason.
    """
    namespace: dict[str, Any] = {"_dates": _DATES, "_date_ok": _date_ok, "_t": _CORE_TABLES}
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
