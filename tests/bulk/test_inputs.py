import pytest

from bulk.inputs import BulkInputError, bulk_input_decode, bulk_input_from_values, bulk_input_read
from tests.factories import mpan_core_for

GOOD = mpan_core_for(1)
OTHER = mpan_core_for(2)


def read(text: str, kind="mpan", max_rows=100):
    return bulk_input_read(text, kind=kind, max_rows=max_rows)


def test_one_value_per_line_gives_keys_with_line_numbers():
    parsed = read(f"{GOOD}\n\n S {OTHER} \n")
    assert [(row.line, row.key) for row in parsed.rows] == [(1, GOOD), (3, OTHER)]
    assert parsed.good_count == 2


def test_bad_rows_keep_their_line_and_reason_and_do_not_stop_the_good_ones():
    parsed = read(f"{GOOD}\n1800021679841\nhello\n{OTHER}\n")
    assert parsed.good_count == 2
    assert [(row.line, row.value) for row in parsed.bad_rows] == [
        (2, "1800021679841"),
        (3, "hello"),
    ]
    assert "check digit" in parsed.bad_rows[0].error


def test_a_header_names_the_column_to_search_and_is_not_a_row():
    parsed = read(f"Customer,MPAN_Core,Notes\nAcme,{GOOD},x\nBeta,,y\n")
    assert [(row.line, row.key) for row in parsed.rows if row.is_good] == [(2, GOOD)]
    assert parsed.bad_rows[0].line == 3
    assert parsed.bad_rows[0].error == "No value in column 2."


def test_several_columns_without_a_header_are_refused():
    with pytest.raises(BulkInputError, match="Line 1 has 2 columns"):
        read(f"{GOOD},{OTHER}\n")


def test_a_later_line_with_two_values_is_a_bad_row():
    parsed = read(f"{GOOD}\n{GOOD},{OTHER}\n")
    assert parsed.bad_rows[0].line == 2
    assert parsed.bad_rows[0].error == "Expected one value on the line."


def test_a_utf8_byte_order_mark_is_tolerated():
    text = bulk_input_decode(f"\ufeffmpan core\r\n{GOOD}\r\n".encode(), max_bytes=1000)
    assert [row.key for row in read(text).rows] == [GOOD]


def test_text_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(BulkInputError, match=r"not UTF-8 text \(line 2"):
        bulk_input_decode(b"SW1A 1AA\nCaf\xe9\n", max_bytes=1000)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(BulkInputError, match="larger than"):
        bulk_input_decode(b"x" * 2049, max_bytes=2048)


def test_more_rows_than_allowed_are_refused():
    with pytest.raises(BulkInputError, match="at most 2 rows"):
        read(f"{GOOD}\n{GOOD}\n{GOOD}\n", max_rows=2)


def test_an_empty_list_is_refused():
    with pytest.raises(BulkInputError, match="The list is empty"):
        read("\n \n")


def test_postcodes_and_serials_use_the_search_box_rules():
    postcodes = read("postcode\nsw1a1aa\nSW1A\n", kind="postcode")
    assert [row.key for row in postcodes.rows] == ["SW1A1AA", ""]
    assert "not a full postcode" in postcodes.bad_rows[0].error
    serials = read("s95a 12345\nABCDEFGHIJKL\n", kind="serial")
    assert serials.rows[0].key == "S95A12345"
    assert "not a meter serial number" in serials.bad_rows[0].error


def test_tab_separated_lines_pasted_from_a_spreadsheet_are_read():
    parsed = read(f"Site\tMPAN\nA\t{GOOD}\n")
    assert [row.key for row in parsed.rows] == [GOOD]


def test_a_json_list_is_numbered_by_position():
    parsed = bulk_input_from_values([GOOD, "", "nope"], kind="mpan", max_rows=10)
    assert [(row.line, row.is_good) for row in parsed.rows] == [(1, True), (3, False)]


def test_a_header_of_another_kind_names_the_kind_to_choose():
    from bulk.inputs import BulkKindMismatch

    with pytest.raises(BulkKindMismatch) as raised:
        bulk_input_read("Meter Serial\nS95A12345\n", kind="postcode", max_rows=10)
    assert str(raised.value) == (
        "The header says “Meter Serial”: choose Meter serial numbers, not Postcodes."
    )
    assert raised.value.right_kind == "serial"
