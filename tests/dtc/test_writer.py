import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from dtc import DtcError, Instance, read_flow, write_flow
from tests.dtc.files import core

CREATED = datetime(2019, 6, 27, 18, 0, tzinfo=UTC)


def write(instances, **overrides) -> str:
    out = io.StringIO()
    options = {
        "flow_id": "D0312",
        "version": "002",
        "file_id": "F0001",
        "from_role": "M",
        "from_mpid": "MOPA",
        "to_role": "Z",
        "to_mpid": "ECOE",
        "created": CREATED,
        "instances": instances,
    }
    write_flow(out, **{**options, **overrides})
    return out.getvalue()


def meter(serial: str, **items) -> Instance:
    return Instance(
        "P02",
        items={
            "meter_serial": serial,
            "meter_type": "N",
            "installation_date": None,
            "removal_date": None,
            "map_mpid": None,
            **items,
        },
    )


def test_a_d0312_file_is_written_with_header_groups_and_counted_trailer():
    point = Instance("P01", items={"mpan_core": "1800021679848"})
    point.children = [meter("S95A 12345", installation_date=date(2019, 6, 27))]

    text = write([point])

    assert text == (
        "ZHV|F0001|D0312002|M|MOPA|Z|ECOE|20190627180000||||OPER|\n"
        "P01|1800021679848|\n"
        "P02|S95A 12345|N|20190627|||\n"
        "ZPT|F0001|2||1|20190627180000|\n"
    )


def test_what_is_written_reads_back_the_same():
    points = []
    for n in range(3):
        point = Instance("P01", items={"mpan_core": core("10", n)})
        point.children = [meter(f"M{n}-{k}", map_mpid="EELC") for k in range(n + 1)]
        points.append(point)

    reader = read_flow(io.BytesIO(write(points).encode("latin-1")))

    assert list(reader) == points
    assert reader.trailer.flow_count == 3
    assert reader.trailer.group_count == 9


def test_a_d0204_refresh_is_written_from_the_r01_followed_by_each_metering_point():
    refresh = Instance("R01", items={"refresh_type": "S", "distributor_id": "23"})
    point = Instance(
        "R02",
        items={"mpan_core": core("23", 1), "gsp_group": "_M", "gsp_group_date": date(2010, 1, 1)},
    )
    point.children = [Instance("R03", items={"postcode": "LS1 1AA"})]

    text = write([refresh, point], flow_id="D0204", from_role="R", from_mpid="YELG")
    reader = read_flow(io.BytesIO(text.encode()))
    read = list(reader)

    assert [i.group_id for i in read] == ["R01", "R02"]
    assert read[1].items["gsp_group"] == "_M"
    assert read[1].items["supplier_mpid"] is None
    assert read[1].children[0].items["postcode"] == "LS1 1AA"
    assert reader.trailer.flow_count == 1


def test_a_refresh_with_its_metering_points_nested_is_written_the_same_way():
    point = Instance(
        "R02",
        items={"mpan_core": core("23", 1), "gsp_group": "_M", "gsp_group_date": date(2010, 1, 1)},
    )
    point.children = [Instance("R03")]
    flat = write(
        [Instance("R01", items={"refresh_type": "F", "distributor_id": "23"}), point],
        flow_id="D0204",
        from_role="R",
    )
    nested_refresh = Instance(
        "R01", items={"refresh_type": "F", "distributor_id": "23"}, children=[point]
    )

    assert write([nested_refresh], flow_id="D0204", from_role="R") == flat


def test_crlf_line_endings_can_be_written():
    text = write([], line_ending="\r\n")

    assert text.count("\r\n") == 2
    assert list(read_flow(io.BytesIO(text.encode()))) == []


def test_the_created_time_is_written_in_utc():
    summer = timezone(timedelta(hours=1))

    text = write([], created=datetime(2019, 6, 27, 19, 0, tzinfo=summer))

    assert "|20190627180000|" in text.splitlines()[0]


def test_a_naive_created_time_is_refused():
    with pytest.raises(ValueError, match="aware datetime"):
        write([], created=datetime(2019, 6, 27, 18, 0))


def test_a_version_the_reader_would_reject_can_still_be_written_for_tests():
    assert "|D0312001|" in write([], version="001")


def test_a_bad_value_is_refused_naming_the_line_and_item():
    point = Instance("P01", items={"mpan_core": "1800021679841"})

    with pytest.raises(DtcError) as caught:
        write([point])

    assert str(caught.value) == (
        "line 2, group P01, item mpan_core: '1800021679841' is not a valid MPAN core: "
        "the check digit does not match"
    )


def test_a_separator_inside_a_value_is_refused():
    point = Instance("P01", items={"mpan_core": "1800021679848"}, children=[meter("A|B")])

    with pytest.raises(DtcError, match=r"line 3, group P02, item meter_serial: 'A\|B' holds '\|'"):
        write([point])


def test_a_character_outside_latin_1_is_refused():
    point = Instance("P01", items={"mpan_core": "1800021679848"}, children=[meter("€1")])

    with pytest.raises(DtcError, match="cannot be written to a DTC file"):
        write([point])


def test_an_item_not_in_the_layout_is_refused():
    point = Instance("P01", items={"mpan_core": "1800021679848", "colour": "red"})

    with pytest.raises(DtcError, match="line 2, group P01: colour not in the layout"):
        write([point])


def test_a_child_under_the_wrong_parent_is_refused():
    point = Instance("P01", items={"mpan_core": "1800021679848"}, children=[Instance("P01")])

    with pytest.raises(DtcError, match="P01 cannot be a child of P01"):
        write([point])


def test_a_date_item_given_a_number_is_refused():
    point = Instance(
        "P01", items={"mpan_core": "1800021679848"}, children=[meter("S1", removal_date=20190627)]
    )

    with pytest.raises(DtcError, match="20190627 \\(int\\) cannot be written as date"):
        write([point])
