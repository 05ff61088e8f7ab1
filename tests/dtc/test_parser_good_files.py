import io
from datetime import UTC, date, datetime

from dtc import Header, Instance, read_flow
from dtc.flows import D0204, D0312
from tests.dtc.files import D0204_HEADER, D0312_HEADER, D0386_HEADER, core, dtc_file, line, read_all

D0312_LINES = (
    "P01|1800021679848|",
    "P02|S95A 12345|S2A|20190627||LOND|",
    "P02|K12345|N|20010101|20190627||",
    "P01|1000000000040|",
    "P02|X1|H||||",
)


def test_a_d0312_file_gives_one_instance_per_metering_point_with_its_meters():
    _, instances = read_all(dtc_file(D0312_HEADER, *D0312_LINES))

    assert [i.items["mpan_core"] for i in instances] == ["1800021679848", "1000000000040"]
    first = instances[0]
    assert (first.group_id, first.line_no) == ("P01", 2)
    assert [c.line_no for c in first.children] == [3, 4]
    assert first.children[0].items == {
        "meter_serial": "S95A 12345",
        "meter_type": "S2A",
        "installation_date": date(2019, 6, 27),
        "removal_date": None,
        "map_mpid": "LOND",
    }
    assert first.children[1].items["removal_date"] == date(2019, 6, 27)
    assert instances[1].children == [
        Instance(
            "P02",
            items={
                "meter_serial": "X1",
                "meter_type": "H",
                "installation_date": None,
                "removal_date": None,
                "map_mpid": None,
            },
        )
    ]


def test_the_header_is_read_when_the_file_is_opened():
    reader = read_flow(io.BytesIO(dtc_file(D0312_HEADER, *D0312_LINES)))

    assert reader.header == Header(
        file_id="F0001",
        flow_id="D0312",
        version="002",
        from_role="M",
        from_mpid="MOPA",
        to_role="Z",
        to_mpid="ECOE",
        created=datetime(2019, 6, 27, 12, 0, 0, tzinfo=UTC),
        sending_app=None,
        receiving_app=None,
        broadcast=None,
        test_flag="OPER",
        flow=D0312,
    )
    assert reader.header.flow is D0312
    assert reader.trailer is None  # only known once every instance has been read


def test_the_trailer_is_available_after_the_last_instance():
    reader, _ = read_all(dtc_file(D0312_HEADER, *D0312_LINES))

    assert reader.trailer.file_id == "F0001"
    assert reader.trailer.group_count == 5
    assert reader.trailer.flow_count == 2
    assert reader.trailer.checksum is None
    assert reader.trailer.completed == datetime(2019, 6, 27, 12, 5, tzinfo=UTC)
    assert (reader.line_count, reader.flow_count) == (7, 2)


def test_crlf_line_endings_read_the_same_as_lf():
    _, with_lf = read_all(dtc_file(D0312_HEADER, *D0312_LINES))
    _, with_crlf = read_all(dtc_file(D0312_HEADER, *D0312_LINES, newline="\r\n"))

    assert with_crlf == with_lf
    assert [i.line_no for i in with_crlf] == [2, 5]


def test_a_file_without_a_final_line_break_is_read():
    data = dtc_file(D0312_HEADER, *D0312_LINES).rstrip(b"\n")

    reader, instances = read_all(data)

    assert len(instances) == 2 and reader.trailer.flow_count == 2


def test_an_iterable_of_byte_lines_can_be_read_instead_of_a_file():
    lines = dtc_file(D0312_HEADER, *D0312_LINES).splitlines(keepends=True)

    reader = read_flow(iter(lines))

    assert len(list(reader)) == 2


def test_a_d0204_refresh_yields_the_r01_first_then_each_metering_point_with_address_and_meters():
    point = core("12", 7)
    lines = (
        "R01|F|12|",
        f"R02|{point}|_C|20040101|BGAS|20040102|E|20040103|01|A|845|20040104|A01|20040105|"
        "0393|20040106|Y|100023456789|MOPA|20040107|DCOL|20040108|DAGG|20040109|SMETS2|Y|I|",
        "R03|Flat 2|10 Downing Street|||||London|||SW1A 2AA|",
        "R04|S95A 12345|S2A|20190627||LOND|",
        "R04|K1|K|20010101|20190627||",
        f"R02|{core('12', 8)}|_C|20040101||||||||||||||||||||||||",
        line("R03", width=10),
    )

    reader, instances = read_all(dtc_file(D0204_HEADER, *lines))

    assert [i.group_id for i in instances] == ["R01", "R02", "R02"]
    assert instances[0].items == {"refresh_type": "F", "distributor_id": "12"}
    assert instances[0].children == []
    first = instances[1]
    assert first.items["mpan_core"] == point
    assert first.items["gsp_group_date"] == date(2004, 1, 1)
    assert first.items["uprn"] == "100023456789"
    assert first.items["smets_version"] == "SMETS2"
    assert [c.group_id for c in first.children] == ["R03", "R04", "R04"]
    assert first.children[0].items["address_line_2"] == "10 Downing Street"
    assert first.children[0].items["address_line_3"] is None
    assert first.children[0].items["postcode"] == "SW1A 2AA"
    bare = instances[2]
    assert set(bare.items.values()) == {core("12", 8), "_C", date(2004, 1, 1), None}
    assert bare.children[0].items == dict.fromkeys(
        [item.name for item in D0204.group("R03").items], None
    )
    assert reader.trailer.flow_count == 2  # R02 groups, not the R01


def test_a_d0204_refresh_may_hold_no_metering_points():
    reader, instances = read_all(dtc_file(D0204_HEADER, "R01|S|24|"))

    assert [i.group_id for i in instances] == ["R01"]
    assert reader.trailer.flow_count == 0


def test_a_d0386_file_gives_one_instance_per_relationship():
    lines = (
        f"L01|{core('14', 1)}|{core('14', 2)}|A|20190629|",
        f"L01|{core('14', 3)}|{core('14', 4)}|R|20190630|",
    )

    reader, instances = read_all(dtc_file(D0386_HEADER, *lines))

    assert [i.items for i in instances] == [
        {
            "primary_mpan_core": core("14", 1),
            "related_mpan_core": core("14", 2),
            "action": "A",
            "effective_date": date(2019, 6, 29),
        },
        {
            "primary_mpan_core": core("14", 3),
            "related_mpan_core": core("14", 4),
            "action": "R",
            "effective_date": date(2019, 6, 30),
        },
    ]
    assert reader.header.version == "001"


def test_a_file_with_no_flow_instances_is_good():
    reader, instances = read_all(dtc_file(D0312_HEADER))

    assert instances == []
    assert reader.trailer.group_count == 0


def test_latin_1_text_such_as_welsh_place_names_is_read():
    lines = ("R01|F|21|", f"R02|{core('21', 5)}|_K|20040101||||||||||||||||||||||||")
    data = dtc_file(D0204_HEADER, *lines, line("R03", "Caf\xe9 Ll\xfdn", width=10))

    _, instances = read_all(data)

    assert instances[1].children[0].items["address_line_1"] == "Caf\xe9 Ll\xfdn"


def test_accepted_versions_lets_an_operator_accept_a_new_version_of_a_flow():
    data = dtc_file(D0312_HEADER.replace("D0312002", "D0312003"), *D0312_LINES)

    reader, instances = read_all(data, accepted_versions={"D0312": {"002", "003"}})

    assert reader.header.version == "003"
    assert len(instances) == 2


def test_accepted_versions_leaves_the_flows_it_does_not_name_as_the_table_has_them():
    reader, _ = read_all(dtc_file(D0312_HEADER, *D0312_LINES), accepted_versions={"D0204": {"003"}})

    assert reader.header.version == "002"
