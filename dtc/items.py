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
from dtc.mpan import core_problem

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


DATES = _DateCache()


def date_or_none(text: str) -> date | None:
    """The date written as YYYYMMDD, or None if ``text`` is not one."""
    try:
        return DATES[text]
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


def group_reader(group: Group) -> Callable[[list[str], int], dict[str, Any]]:
    """A function ``read(fields, line_no) -> items`` for lines of ``group``: a loop over
    the items, each checked with ``value_problem`` and converted with ``convert_value``.

    ``fields`` is the line split on ``|``: the group id, the items, then the empty text
    after the final ``|``. It raises DtcError naming the line, group and item.
    """
    count = len(group.items) + 2
    items = [(item.name, item.mandatory, item.format) for item in group.items]

    def read(fields: list[str], line_no: int) -> dict[str, Any]:
        if len(fields) != count:
            _count_error(group, fields, line_no)
        values: dict[str, Any] = {}
        for index, (name, mandatory, fmt) in enumerate(items):
            text = fields[index + 1]
            if not text:
                if mandatory:
                    _item_error(group, index, text, line_no)
                values[name] = None
            elif value_problem(fmt, text) is None:
                values[name] = convert_value(fmt, text)
            else:
                _item_error(group, index, text, line_no)
        return values

    read.__doc__ = f"Check and convert the items of a {group.group_id} line."
    return read


def group_checker(group: Group) -> Callable[[list[str]], bool]:
    """A function ``check(fields) -> bool`` for lines of ``group``: True when
    ``group_reader`` would accept the line. The reference for the fast line reader's
    checker (``dtc.fast_lines``): the same loop, nothing converted."""
    count = len(group.items) + 2
    items = [(item.mandatory, item.format) for item in group.items]

    def check(fields: list[str]) -> bool:
        if len(fields) != count:
            return False
        for (mandatory, fmt), text in zip(items, fields[1:-1], strict=True):
            if text:
                if value_problem(fmt, text) is not None:
                    return False
            elif mandatory:
                return False
        return True

    return check
