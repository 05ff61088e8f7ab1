import csv
import io
from decimal import Decimal

import pytest

from core.csvfile import CsvWriter, csv_cell, csv_lines


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+",
    ],
)
def test_a_text_cell_a_spreadsheet_would_run_is_written_as_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "1200000000058",  # an MPAN core
        "S 01 801 100 12 3456 7890 123",  # a full MPAN
        "SW1A 1AA",
        "2019-06-28",
        "E10BG12345",
        "",
        "-12",
        "-0.25",
        "+3.5",
        "-1e3",
        -12,
        -0.25,
        Decimal("-3.50"),
        None,
    ],
)
def test_numbers_codes_and_plain_text_are_written_as_they_are(value):
    assert csv_cell(value) == value


def test_escaping_twice_changes_nothing_more():
    once = csv_cell("=1+1")
    assert csv_cell(once) == once == "'=1+1"


def test_the_writer_escapes_every_cell_of_every_row():
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["Address", "Reading"])
    writer.writerows([['=HYPERLINK("x")', -4], ["1 High Street", "@x"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["Address", "Reading"], ['\'=HYPERLINK("x")', "-4"], ["1 High Street", "'@x"]]


def test_streamed_lines_start_with_a_bom_and_escape_cells():
    text = "".join(csv_lines(["A"], [["=1"], ["2"]]))
    assert text == "\ufeffA\r\n'=1\r\n2\r\n"
