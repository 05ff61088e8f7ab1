"""Reading a bulk search list: a CSV file or a pasted list (pure Python, no Django).

One value per row, validated with the search box's own parsers for the chosen kind
(search.parsing), so a bulk search accepts exactly what a single search accepts.
- Encoding: UTF-8, with or without a byte-order mark (spreadsheets write one).
- Columns: one column; or a header row naming the column to search (e.g. "mpan_core",
  "postcode", "meter serial"), the other columns being ignored.
- Blank rows are skipped; rows that cannot be searched are kept with their line number
  and the reason, and do not stop the others.
File-level problems (size, encoding, columns, too many rows) raise BulkInputError.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from search.parsing import SearchInputError, SearchKind, mpan_parse, postcode_parse, serial_parse

# Header names per kind, compared after lower-casing and turning "_" and "-" into spaces.
HEADER_NAMES: dict[SearchKind, frozenset[str]] = {
    SearchKind.MPAN: frozenset({"mpan", "mpan core", "mpancore", "mpan cores", "core", "mpans"}),
    SearchKind.POSTCODE: frozenset({"postcode", "post code", "postcodes", "postal code"}),
    SearchKind.SERIAL: frozenset(
        {"serial", "meter serial", "meter serial number", "serial number", "msn", "serials"}
    ),
}
KIND_LABELS: dict[SearchKind, tuple[str, str]] = {
    SearchKind.MPAN: ("MPAN core", "MPAN cores"),
    SearchKind.POSTCODE: ("postcode", "postcodes"),
    SearchKind.SERIAL: ("meter serial number", "meter serial numbers"),
}
_HEADER_SPACES = re.compile(r"[\s_\-]+")


class BulkInputError(ValueError):
    """The list cannot be read at all; the message says what to change."""


class BulkKindMismatch(BulkInputError):
    """The list's header names another kind of value than the one chosen."""

    def __init__(self, message: str, *, right_kind: SearchKind):
        super().__init__(message)
        self.right_kind = right_kind


@dataclass(frozen=True, slots=True)
class InputRow:
    line: int
    value: str
    key: str = ""  # the search key (MPAN core, postcode key, serial key); "" when bad
    error: str = ""  # why the row cannot be searched; "" when good

    @property
    def is_good(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class BulkInput:
    kind: SearchKind
    rows: list[InputRow]

    @property
    def good_count(self) -> int:
        return sum(1 for row in self.rows if row.is_good)

    @property
    def bad_rows(self) -> list[InputRow]:
        return [row for row in self.rows if not row.is_good]


def _mpan_key(text: str) -> str:
    return mpan_parse(text)


def _postcode_key(text: str) -> str:
    return postcode_parse(text).key


def _serial_key(text: str) -> str:
    return serial_parse(text).key


KEY_PARSERS: dict[SearchKind, Callable[[str], str]] = {
    SearchKind.MPAN: _mpan_key,
    SearchKind.POSTCODE: _postcode_key,
    SearchKind.SERIAL: _serial_key,
}


def bulk_input_decode(data: bytes, *, max_bytes: int) -> str:
    """The text of an uploaded list: UTF-8, a byte-order mark tolerated. Callers may pass
    the first max_bytes + 1 bytes of a larger file: it is refused all the same."""
    if len(data) > max_bytes:
        raise BulkInputError(
            f"The file is larger than {max_bytes / 2**20:,.0f} MB, the most a bulk search "
            "file may be. Split it into several searches."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BulkInputError(
            f"The file is not UTF-8 text (line {line} has a byte it cannot read). Save it "
            "as “CSV UTF-8” from your spreadsheet and upload it again."
        ) from None
    if "\x00" in text:
        raise BulkInputError("The file holds binary data; upload a CSV file or a text list.")
    return text


def bulk_input_read(text: str, *, kind: SearchKind | str, max_rows: int) -> BulkInput:
    """Every non-blank row of the list with its search key or the reason it has none."""
    kind = SearchKind(kind)
    parse_key = KEY_PARSERS[kind]
    singular, plural = KIND_LABELS[kind]
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[InputRow] = []
    column: int | None = None  # None until the first non-blank row decides
    width = 1
    try:
        for cells in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if column is None:
                column = _header_column(cells, kind)
                if column is None:
                    _refuse_another_kinds_header(cells, kind)
                if column is not None:
                    width = len(cells)
                    continue  # a header row: not searched, not counted
                column = 0
                filled = sum(1 for cell in cells if cell)
                if filled > 1:
                    raise BulkInputError(
                        f"Line {line} has {filled} columns. Upload one column of {plural}, "
                        "or add a header row naming the column to search (for example "
                        f"“{sorted(HEADER_NAMES[kind])[0]}”)."
                    )
            if len(rows) >= max_rows:
                raise BulkInputError(
                    f"A bulk search holds at most {max_rows:,} rows; this list has more. "
                    "Split it into several searches."
                )
            rows.append(_row(cells, line=line, column=column, width=width, parse_key=parse_key))
    except csv.Error as error:
        raise BulkInputError(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None
    if not rows:
        raise BulkInputError(f"The list is empty: give one {singular} per line.")
    return BulkInput(kind=kind, rows=rows)


def bulk_input_from_values(
    values: list[str], *, kind: SearchKind | str, max_rows: int
) -> BulkInput:
    """A list given as separate values (the API's JSON): value n is "line" n."""
    kind = SearchKind(kind)
    if len(values) > max_rows:
        raise BulkInputError(
            f"A bulk search holds at most {max_rows:,} rows; this list has {len(values):,}. "
            "Split it into several searches."
        )
    parse_key = KEY_PARSERS[kind]
    rows = [
        _row([value.strip()], line=line, column=0, width=1, parse_key=parse_key)
        for line, value in enumerate(values, start=1)
        if value.strip()
    ]
    if not rows:
        raise BulkInputError(f"The list is empty: give at least one {KIND_LABELS[kind][0]}.")
    return BulkInput(kind=kind, rows=rows)


def kind_choice_label(kind: SearchKind) -> str:
    """The kind as the form's radio button names it: "MPAN cores", "Postcodes"."""
    plural = KIND_LABELS[kind][1]
    return plural[0].upper() + plural[1:]


def _refuse_another_kinds_header(cells: list[str], kind: SearchKind) -> None:
    """A header row naming another kind's column means the wrong kind was chosen."""
    for other in HEADER_NAMES:
        column = _header_column(cells, other) if other != kind else None
        if column is not None:
            raise BulkKindMismatch(
                f"The header says “{cells[column]}”: choose {kind_choice_label(other)}, not "
                f"{kind_choice_label(kind)}.",
                right_kind=other,
            )


def _header_column(cells: list[str], kind: SearchKind) -> int | None:
    names = HEADER_NAMES[kind]
    for index, cell in enumerate(cells):
        if _HEADER_SPACES.sub(" ", cell.lower()).strip() in names:
            return index
    return None


def _row(cells: list[str], *, line: int, column: int, width: int, parse_key) -> InputRow:
    if column >= len(cells) or not cells[column]:
        return InputRow(line, "", error=f"No value in column {column + 1}.")
    value = cells[column]
    if width == 1 and sum(1 for cell in cells if cell) > 1:
        return InputRow(line, ",".join(cells), error="Expected one value on the line.")
    try:
        return InputRow(line, value, key=parse_key(value))
    except SearchInputError as error:
        return InputRow(line, value, error=str(error))
