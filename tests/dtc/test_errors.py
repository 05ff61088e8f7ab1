import pickle

from dtc import DtcError, FlowNotAccepted
from tests.dtc.files import D0312_HEADER, dtc_file, error_of


def test_an_error_keeps_its_parts_and_message_through_pickling():
    error = FlowNotAccepted(
        "D0312 version 001 is not accepted; accepted versions: 002",
        line_no=1,
        group="ZHV",
        item="flow_version",
    )

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert type(copy) is FlowNotAccepted
    assert (copy.line_no, copy.group, copy.item, copy.reason) == (
        1,
        "ZHV",
        "flow_version",
        error.reason,
    )
    assert str(copy) == str(error)


def test_the_message_leaves_out_the_parts_that_are_unknown():
    assert str(DtcError("the file is empty", line_no=1)) == "line 1: the file is empty"
    assert str(DtcError("no location")) == "no location"


def test_a_long_unknown_group_id_is_shortened_in_the_error():
    error = error_of(dtc_file(D0312_HEADER, "X" * 500 + "|"))

    assert error.group == "X" * 20
    assert len(str(error)) < 200
