"""The one CSV writer of the portal: every CSV file a user can download is written here.

A spreadsheet runs a cell that starts with "=", "+", "-" or "@" as a formula, and a
leading tab or carriage return can hide such a character from a quick look. Registry
data comes from flow files that other market participants wrote (an address line, a
meter serial), so a hostile sender could plant `=HYPERLINK(...)` for the recipient of
an export to click. OWASP's advice for CSV injection is followed: such a text cell is
written with a leading apostrophe, which spreadsheets show as plain text.

Two kinds of cell stay as they are, so the files remain useful:
- numbers (int, float, Decimal), and text that is just a number ("-12", "+3.5"): a
  negative reading is data, not a formula, and no spreadsheet runs it;
- everything that does not start with one of those characters (MPAN cores and full
  MPANs, postcodes, dates, serials start with a letter or digit).

Escaping is idempotent: an escaped cell starts with an apostrophe and is left alone,
so text read back from a CSV this module wrote can go through it again unchanged.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


def csv_cell(value: Any) -> Any:
    """The value as it may safely go into a CSV cell."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


class CsvWriter:
    """`csv.writer` with every cell passed through `csv_cell`."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file-like object whose write returns the line (for a streamed response)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The lines of a CSV file, for a streamed download; a BOM first, so that
    spreadsheets read the file as UTF-8."""
    writer = CsvWriter(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
