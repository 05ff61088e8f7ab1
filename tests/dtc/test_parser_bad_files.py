"""The bad-file corpus: each file gives one clear error naming line, group, item, reason."""

import io

import pytest

from dtc import DtcError, FlowNotAccepted, read_flow
from tests.dtc.files import D0204_HEADER, D0312_HEADER, core, dtc_file, error_of, line

GOOD_D0312 = (
    "P01|1800021679848|",
    "P02|S95A 12345|S2A|20190627||LOND|",
    "P01|1000000000040|",
    "P02|X1|H||||",
)


def test_an_empty_file_is_rejected():
    error = error_of(b"")

    assert str(error) == "line 1: the file is empty; expected a ZHV header"
    assert (error.line_no, error.group, error.item) == (1, None, None)


def test_binary_junk_is_rejected_at_the_first_bad_byte():
    error = error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    assert str(error) == (
        "line 1: the line holds binary data: byte 0x89 at column 1; a DTC file is text"
    )


def test_a_nul_byte_in_a_data_line_is_named():
    data = dtc_file(D0312_HEADER, *GOOD_D0312).replace(b"X1", b"X\x001")

    error = error_of(data)

    assert str(error) == (
        "line 5: the line holds binary data: byte 0x00 (a NUL byte) at column 6; a DTC file is text"
    )


def test_a_file_that_does_not_start_with_a_header_is_rejected():
    error = error_of(b"P01|1800021679848|\n")

    assert str(error) == "line 1: the file does not start with a ZHV header (found 'P01')"


def test_a_missing_trailer_is_rejected_after_the_last_line():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312, trailer=False))

    assert str(error) == "line 5: the file ends without a ZPT trailer"


def test_a_trailer_with_another_file_id_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312, file_id="F0002"))

    assert str(error) == (
        "line 6, group ZPT, item file_id: the trailer's file id 'F0002' does not match "
        "the header's 'F0001'"
    )


def test_a_wrong_group_count_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312, group_count=5))

    assert str(error) == (
        "line 6, group ZPT, item group_count: the trailer counts 5 group lines; "
        "the file has 4 between header and trailer"
    )


def test_a_wrong_flow_count_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312, flow_count=3))

    assert str(error) == (
        "line 6, group ZPT, item flow_count: the trailer counts 3 flow instances; "
        "the file has 2 P01 groups"
    )


def test_a_d0204_flow_count_counts_metering_points_not_the_refresh_group():
    lines = ("R01|F|12|", line("R02", core("12", 1), "_C", "20040101", width=26))
    lines += (line("R03", width=10),)

    error = error_of(dtc_file(D0204_HEADER, *lines, flow_count=2))

    assert error.item == "flow_count"
    assert error.reason.endswith("the file has 1 R02 groups")


def test_a_bad_mpan_check_digit_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312[:2], "P01|1000000000041|", "P02|X1|H||||"))

    assert str(error) == (
        "line 4, group P01, item mpan_core: '1000000000041' is not a valid MPAN core: "
        "the check digit does not match"
    )


def test_a_bad_date_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "P02|S1|N|20190231|||"))

    assert str(error) == (
        "line 3, group P02, item installation_date: '20190231' is not a valid date (YYYYMMDD)"
    )


def test_a_value_outside_its_code_list_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "P02|S1|XX||||"))

    assert str(error) == "line 3, group P02, item meter_type: 'XX' is not a meter type code"
    assert (error.line_no, error.group, error.item) == (3, "P02", "meter_type")
    assert error.reason == "'XX' is not a meter type code"


def test_an_unknown_group_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "P09|S1|N||||"))

    assert str(error) == "line 3, group P09: 'P09' is not a group of D0312 (its groups: P01, P02)"


def test_an_unknown_flow_version_is_rejected_naming_what_is_accepted():
    data = dtc_file(D0312_HEADER.replace("D0312002", "D0312001"), *GOOD_D0312)

    with pytest.raises(FlowNotAccepted) as caught:
        read_flow(io.BytesIO(data))

    assert caught.value.reason == "D0312 version 001 is not accepted; accepted versions: 002"
    assert str(caught.value) == (
        "line 1, group ZHV, item flow_version: "
        "D0312 version 001 is not accepted; accepted versions: 002"
    )


def test_a_version_removed_by_configuration_is_rejected():
    with pytest.raises(FlowNotAccepted) as caught:
        read_flow(io.BytesIO(dtc_file(D0312_HEADER)), accepted_versions={"D0312": {"003"}})

    assert caught.value.reason == "D0312 version 002 is not accepted; accepted versions: 003"


def test_an_unknown_flow_is_rejected_naming_the_flows_accepted():
    header = D0312_HEADER.replace("D0312002", "D0089001")

    with pytest.raises(FlowNotAccepted) as caught:
        read_flow(io.BytesIO(f"{header}\n".encode()))

    assert caught.value.reason == (
        "D0089 version 001 is not accepted; accepted flows: D0204, D0312, D0386"
    )


def test_a_header_from_a_role_that_does_not_send_the_flow_is_rejected():
    error = error_of(dtc_file(D0312_HEADER.replace("|M|MOPA|", "|X|BGAS|"), *GOOD_D0312))

    assert str(error) == "line 1, group ZHV, item from_role: D0312 is sent by market role M, not X"


def test_an_over_long_line_is_rejected_without_reading_it_whole():
    data = dtc_file(D0312_HEADER, "P01|1800021679848|", "P02|" + "S" * 5000 + "|N||||")

    error = error_of(data, max_line_length=2048)

    assert str(error) == "line 3: the line is longer than 2048 characters"


def test_a_file_without_line_breaks_is_rejected_at_the_limit():
    stream = io.BytesIO(b"ZHV|" + b"x" * 10_000_000)
    read = []
    original = stream.readline
    stream.readline = lambda size=-1: read.append(size) or original(size)

    with pytest.raises(DtcError) as caught:
        read_flow(stream, max_line_length=100)

    assert str(caught.value) == "line 1: the line is longer than 100 characters"
    assert read == [102]  # never asked for more than the limit


def test_a_child_group_before_its_parent_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P02|S1|N||||", "P01|1800021679848|"))

    assert str(error) == "line 2, group P02: P02 must follow its parent group P01"


def test_a_metering_point_without_its_mandatory_child_group_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", *GOOD_D0312[2:]))

    assert str(error) == "line 2, group P01: P01 needs at least 1 P02 group, found 0"


def test_a_second_address_for_one_metering_point_is_rejected():
    lines = ("R01|F|12|", line("R02", core("12", 1), "_C", "20040101", width=26))
    lines += (line("R03", "1 High St", width=10), line("R03", "2 High St", width=10))

    error = error_of(dtc_file(D0204_HEADER, *lines))

    assert str(error) == "line 5, group R03: the R02 group at line 3 may hold at most 1 R03 group"


def test_sibling_groups_out_of_order_are_rejected():
    lines = ("R01|F|12|", line("R02", core("12", 1), "_C", "20040101", width=26))
    lines += ("R04|S1|N||||", line("R03", "1 High St", width=10))

    error = error_of(dtc_file(D0204_HEADER, *lines))

    assert str(error) == "line 5, group R03: R03 must come before R04 within the R02 group"


def test_a_second_refresh_group_is_rejected():
    error = error_of(dtc_file(D0204_HEADER, "R01|F|12|", "R01|F|12|"))

    assert str(error) == "line 3, group R01: a file may hold at most 1 R01 group"


def test_a_refresh_without_its_r01_group_is_rejected():
    error = error_of(dtc_file(D0204_HEADER))

    assert str(error) == "line 2, group R01: the file needs at least 1 R01 group, found 0"


def test_a_missing_mandatory_item_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "P02||N||||"))

    assert str(error) == "line 3, group P02, item meter_serial: the item is mandatory but blank"


def test_a_line_with_too_many_items_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "P02|S1|N|||||"))

    assert str(error) == "line 3, group P02: expected 5 items, found 6"


def test_a_line_that_does_not_end_with_a_bar_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848"))

    assert str(error) == "line 2: the line does not end with '|'"


def test_an_empty_line_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, "P01|1800021679848|", "", "P02|S1|N||||"))

    assert str(error) == "line 3: the line is empty"


def test_anything_after_the_trailer_is_rejected():
    data = dtc_file(D0312_HEADER, *GOOD_D0312) + b"P01|1800021679848|\n"

    error = error_of(data)

    assert str(error) == "line 7: there is more after the ZPT trailer"


def test_a_bad_header_timestamp_is_rejected():
    error = error_of(dtc_file(D0312_HEADER.replace("20190627120000", "20190627250000")))

    assert str(error) == (
        "line 1, group ZHV, item created: '20190627250000' is not a valid date and time "
        "(YYYYMMDDHHMMSS)"
    )


def test_a_bad_trailer_timestamp_is_rejected():
    data = dtc_file(D0312_HEADER).replace(b"20190627120500", b"2019062712050")

    error = error_of(data)

    assert str(error) == (
        "line 2, group ZPT, item completed: '2019062712050' is not a valid date and time "
        "(YYYYMMDDHHMMSS)"
    )


def test_a_second_header_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, D0312_HEADER))

    assert str(error) == "line 2, group ZHV: a second ZHV header: a file holds one flow"


def test_a_file_over_the_line_limit_is_rejected():
    error = error_of(dtc_file(D0312_HEADER, *GOOD_D0312), max_lines=4)

    assert str(error) == "line 5: the file has more than 4 lines"


def test_instances_read_before_a_fault_were_given_but_the_file_still_fails():
    reader = read_flow(io.BytesIO(dtc_file(D0312_HEADER, *GOOD_D0312, flow_count=9)))
    seen = []

    with pytest.raises(DtcError):
        for instance in reader:
            seen.append(instance.items["mpan_core"])

    assert seen == ["1800021679848", "1000000000040"]  # so apply nothing until the end
    assert reader.trailer is None
