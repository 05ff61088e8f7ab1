"""Property tests: the parser never fails with anything but DtcError, and write -> read is
the identity, for any input Hypothesis can think of."""

import io
import os
import string
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtc import DtcError, Instance, InvalidMpan, normalise_mpan, read_flow, write_flow
from dtc.flows import (
    ALPHANUMERIC,
    CODE,
    DATE,
    DIGITS,
    FLOWS,
    MPAN_CORE,
    MPID,
    TEXT,
    FlowDefinition,
    Group,
    Item,
)
from dtc.items import group_reader, value_problem
from dtc.mpan import check_digit
from tests.dtc.files import D0204_HEADER, D0312_HEADER, core, dtc_file, line

# Short by default, so the suite stays fast; DTC_HYPOTHESIS_EXAMPLES=5000 for a long hunt.
FAST = settings(
    max_examples=int(os.environ.get("DTC_HYPOTHESIS_EXAMPLES", "200")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Printable latin-1 without the separator: what a text item may hold.
TEXT_CHARS = "".join(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100)] if chr(c) != "|")
UPPER_ALNUM = string.ascii_uppercase + string.digits

GOOD_FILES = [
    dtc_file(
        D0312_HEADER,
        "P01|1800021679848|",
        "P02|S95A 12345|S2A|20190627||LOND|",
        "P01|1000000000040|",
        "P02|X1|H||||",
    ),
    dtc_file(
        D0204_HEADER,
        "R01|F|12|",
        line("R02", core("12", 1), "_C", "20040101", "BGAS", "20040101", "E", width=26),
        line("R03", "1 High Street", width=10),
        "R04|S1|N|20010101|||",
        newline="\r\n",
    ),
]


def read_everything(data: bytes) -> None:
    reader = read_flow(io.BytesIO(data), max_line_length=512)
    for _ in reader:
        pass


@FAST
@given(st.binary(max_size=2000))
def test_any_bytes_give_instances_or_a_dtc_error(data):
    try:
        read_everything(data)
    except DtcError as error:
        assert error.line_no is not None and error.line_no >= 1


@st.composite
def mutated_files(draw):
    """A good file with a few bytes replaced, inserted or removed, or lines shuffled."""
    data = bytearray(draw(st.sampled_from(GOOD_FILES)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        what = draw(st.sampled_from(["replace", "insert", "delete", "swap_lines"]))
        byte = draw(st.sampled_from([*b"|\n\r0A_ \x00\xe9Z9", draw(st.integers(0, 255))]))
        if what == "replace" and where < len(data):
            data[where] = byte
        elif what == "insert":
            data[where:where] = bytes([byte])
        elif what == "delete":
            del data[where : where + draw(st.integers(1, 20))]
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@FAST
@given(mutated_files())
def test_a_damaged_good_file_gives_instances_or_a_dtc_error(data):
    try:
        read_everything(data)
    except DtcError as error:
        assert error.line_no is not None and error.line_no >= 1
        assert str(error).startswith(f"line {error.line_no}")


def value_strategy(item: Item):
    fmt = item.format
    kind = fmt.kind
    if kind == MPAN_CORE:
        values = st.text("0123456789", min_size=12, max_size=12).map(
            lambda first12: f"{first12}{check_digit(first12)}"
        )
    elif kind == DATE:
        values = st.dates()
    elif kind == CODE:
        values = st.sampled_from(sorted(fmt.codes))
    elif kind == TEXT:
        values = st.text(TEXT_CHARS, min_size=max(1, fmt.min_length), max_size=fmt.max_length)
    elif kind == DIGITS:
        values = st.text("0123456789", min_size=fmt.min_length, max_size=fmt.max_length)
    elif kind in (MPID, ALPHANUMERIC):
        values = st.text(UPPER_ALNUM, min_size=fmt.min_length, max_size=fmt.max_length)
    else:
        raise AssertionError(f"no strategy for {kind}")
    return values if item.mandatory else st.none() | values


def instance_strategy(flow: FlowDefinition, group: Group):
    items = st.fixed_dictionaries({item.name: value_strategy(item) for item in group.items})
    children = [
        st.lists(
            instance_strategy(flow, child),
            min_size=child.min_occurs,
            max_size=min(child.max_occurs or 3, 3),
        )
        for child in flow.children(group.group_id)
    ]
    return st.builds(
        lambda items, *lists: Instance(
            group.group_id, items=items, children=[c for group_list in lists for c in group_list]
        ),
        items,
        *children,
    )


@st.composite
def flow_files(draw):
    """A flow id and the instances of a valid file, in the form the reader yields them."""
    flow = draw(st.sampled_from(list(FLOWS.values())))
    envelopes = []
    parent = flow.group(flow.instance_group).parent
    while parent is not None:
        envelope = draw(
            instance_strategy(
                FlowDefinition(
                    flow.flow_id,
                    flow.name,
                    flow.accepted_versions,
                    flow.sender_role,
                    flow.instance_group,
                    tuple(g for g in flow.groups if g.group_id == parent),
                ),
                flow.group(parent),
            )
        )
        envelopes.insert(0, envelope)
        parent = flow.group(parent).parent
    instances = draw(st.lists(instance_strategy(flow, flow.group(flow.instance_group)), max_size=5))
    return flow, [*envelopes, *instances]


@FAST
@given(flow_files(), st.sampled_from(["\n", "\r\n"]))
def test_what_is_written_reads_back_the_same(flow_and_instances, line_ending):
    flow, instances = flow_and_instances
    out = io.StringIO()
    trailer = write_flow(
        out,
        flow_id=flow.flow_id,
        version=min(flow.accepted_versions),
        file_id="PROP1",
        from_role=flow.sender_role,
        from_mpid="ABCD",
        to_role="Z",
        to_mpid="ECOE",
        created=datetime(2019, 6, 28, 18, tzinfo=UTC),
        instances=instances,
        line_ending=line_ending,
    )

    reader = read_flow(io.BytesIO(out.getvalue().encode("latin-1")))

    assert list(reader) == instances
    assert reader.trailer == trailer


@FAST
@given(st.text() | st.from_regex(r"[0-9 \-]{10,30}", fullmatch=True))
def test_normalise_mpan_raises_nothing_but_invalid_mpan(text):
    try:
        result = normalise_mpan(text)
    except InvalidMpan:
        return
    assert len(result) == 13 and result.isdigit()


ITEM_TEXT = st.text(TEXT_CHARS, max_size=16) | st.sampled_from(
    ["1800021679848", "1800021679841", "20190229", "20200229", "S2A", "LOND", "lond", "0393"]
)


@FAST
@given(
    st.sampled_from([g for flow in FLOWS.values() for g in flow.groups]),
    st.data(),
)
def test_the_compiled_checks_agree_with_the_reference_checks(group, data):
    values = [data.draw(ITEM_TEXT) for _ in group.items]
    read = group_reader(group)

    try:
        items = read([group.group_id, *values, ""], 7)
    except DtcError as error:
        index = [item.name for item in group.items].index(error.item)
        item, value = group.items[index], values[index]
        assert (item.mandatory and not value) or value_problem(item.format, value)
        # every item before the failing one was good
        assert all(
            (v and value_problem(i.format, v) is None) or (not v and not i.mandatory)
            for i, v in zip(group.items[:index], values[:index], strict=True)
        )
    else:
        for item, value in zip(group.items, values, strict=True):
            assert (value_problem(item.format, value) is None) if value else not item.mandatory
            assert (items[item.name] is None) == (value == "")
