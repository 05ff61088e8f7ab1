"""The fast line reader (`dtc.fast_lines`, `DtcReader.lines`) accepts exactly what the full reader
accepts: the same lines for a good file; for a bad one, the full reader's error or
FastPathDeclined (the caller then asks the full reader for the reason)."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtc import DtcError, FastPathDeclined, read_flow
from dtc.fast_lines import compile_group_checker
from dtc.flows import D0204
from dtc.items import group_checker, group_reader
from tests.dtc.files import D0204_HEADER, D0312_HEADER, core, dtc_file, line
from tests.dtc.test_properties import FAST, value_strategy

GOOD_LINES = (
    "R01|F|12|",
    line("R02", core("12", 1), "_C", "20040101", "BGAS", "20040101", "E", width=26),
    line("R03", "1 High Street", "Back\\slash", width=10),
    "R04|S1|N|20010101|||",
    "R04|S 2|N|20010101|20020101|LOND|",
    line("R02", core("12", 2), "_C", "20040101", width=26),
    line("R03", width=10),
)


def fast_outcome(data: bytes):
    """("lines", texts, trailer) or ("error", message) or ("declined",)."""
    try:
        reader = read_flow(io.BytesIO(data), max_line_length=512)
        texts = [text for _, text, _ in reader.lines()]
    except FastPathDeclined:
        return ("declined",)
    except DtcError as error:
        return ("error", str(error))
    return ("lines", texts, reader.trailer)


def full_outcome(data: bytes):
    try:
        reader = read_flow(io.BytesIO(data), max_line_length=512)
        list(reader)
    except DtcError as error:
        return ("error", str(error))
    lines = data.decode("latin-1").replace("\r\n", "\n").split("\n")
    return ("lines", lines[1 : reader.line_count - 1], reader.trailer)


def test_a_good_refresh_gives_every_data_line_with_its_number_and_fields():
    data = dtc_file(D0204_HEADER, *GOOD_LINES, newline="\r\n")

    reader = read_flow(io.BytesIO(data))
    lines = list(reader.lines())

    assert [line_no for line_no, _, _ in lines] == list(range(2, 2 + len(GOOD_LINES)))
    assert [text for _, text, _ in lines] == list(GOOD_LINES)
    assert lines[1][2][:3] == ["R02", core("12", 1), "_C"]
    assert reader.trailer.flow_count == 2


def test_a_bad_check_digit_is_declined_for_the_full_reader_to_explain():
    bad = GOOD_LINES[1].replace(core("12", 1), core("12", 1)[:-1] + "0")
    data = dtc_file(D0204_HEADER, GOOD_LINES[0], bad, *GOOD_LINES[2:])

    assert fast_outcome(data) == ("declined",)
    assert "check digit" in full_outcome(data)[1]


def test_a_wrong_trailer_count_gives_the_full_readers_error():
    data = dtc_file(D0204_HEADER, *GOOD_LINES, group_count=99)

    assert fast_outcome(data) == full_outcome(data)
    assert "the trailer counts 99 group lines" in fast_outcome(data)[1]


def test_a_flow_without_a_fast_path_says_so():
    data = dtc_file(D0312_HEADER, "P01|1800021679848|", "P02|X1|H||||")

    with pytest.raises(ValueError, match="D0312 has no fast path"):
        list(read_flow(io.BytesIO(data)).lines())


@st.composite
def damaged_refreshes(draw):
    """A good refresh with lines dropped, repeated or moved, or bytes changed."""
    lines = [*GOOD_LINES]
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(["drop", "repeat", "move", "byte"]))
        i = draw(st.integers(0, len(lines) - 1))
        if what == "drop" and len(lines) > 1:
            del lines[i]
        elif what == "repeat":
            lines.insert(i, lines[i])
        elif what == "move":
            lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(i))
        else:
            text = lines[i]
            where = draw(st.integers(0, len(text)))
            char = draw(st.sampled_from([*"|0A_ Z9\x00\xe9\r\\", "R02|", "R04|", "ZPT|"]))
            lines[i] = text[:where] + char + text[where + 1 :]
    counts = draw(st.sampled_from([{}, {"group_count": 3}, {"flow_count": 1}, {"trailer": False}]))
    return dtc_file(D0204_HEADER, *lines, **counts)


@FAST
@given(damaged_refreshes())
def test_the_fast_path_accepts_exactly_what_the_full_reader_accepts(data):
    fast, full = fast_outcome(data), full_outcome(data)

    if fast[0] == "declined":
        assert full[0] == "error"
    else:
        assert fast == full


@FAST
@given(st.data())
def test_the_checker_agrees_with_the_reader_for_any_values(data):
    group = D0204.group(data.draw(st.sampled_from(["R02", "R03", "R04"])))
    values = []
    for item in group.items:
        good = value_strategy(item).map(
            lambda v: v.strftime("%Y%m%d") if hasattr(v, "strftime") else v
        )
        # Good values, values at and just past the length limits, and a few oddities.
        fmt = item.format
        edges = {"0" * size for size in (fmt.min_length - 1, fmt.max_length, fmt.max_length + 1)}
        odd = st.sampled_from(sorted({"", "X", "1", "0000000000000", *edges}))
        values.append(data.draw(st.one_of(good, odd)))
    fields = [group.group_id, *values, ""]

    try:
        group_reader(group)(fields, 2)
        reader_accepts = True
    except DtcError:
        reader_accepts = False

    assert group_checker(group)(fields) is reader_accepts
    assert compile_group_checker(group)(fields) is reader_accepts
