"""Building small DTC files for the tests, line by line."""

import io

import pytest

from dtc import DtcError, read_flow
from dtc.mpan import check_digit

D0312_HEADER = "ZHV|F0001|D0312002|M|MOPA|Z|ECOE|20190627120000||||OPER|"
D0204_HEADER = "ZHV|R0001|D0204002|R|LOND|Z|ECOE|20190627180000|MPAS|ECOES||OPER|"
D0386_HEADER = "ZHV|L0001|D0386001|R|LOND|Z|ECOE|20190629090000||||OPER|"


def core(distributor_id: str, number: int) -> str:
    """A valid MPAN core for a distributor and a unique number."""
    first12 = f"{distributor_id}{number:010d}"
    return f"{first12}{check_digit(first12)}"


def line(group_id: str, *values: str, width: int | None = None) -> str:
    """A group line; ``width`` pads with blank items up to that many."""
    values = list(values) + [""] * ((width or len(values)) - len(values))
    return "|".join([group_id, *values]) + "|"


def dtc_file(
    header: str,
    *lines: str,
    flow_count: int | None = None,
    group_count: int | None = None,
    file_id: str | None = None,
    trailer: bool = True,
    newline: str = "\n",
) -> bytes:
    """A file of ``header``, ``lines`` and a trailer whose counts are right unless given.

    The flow count defaults to the number of lines of the flow's instance group.
    """
    from dtc.flows import FLOWS

    flow = FLOWS[header.split("|")[2][:5]]
    if flow_count is None:
        flow_count = sum(1 for line in lines if line.startswith(flow.instance_group + "|"))
    if group_count is None:
        group_count = len(lines)
    if file_id is None:
        file_id = header.split("|")[1]
    all_lines = [header, *lines]
    if trailer:
        all_lines.append(f"ZPT|{file_id}|{group_count}||{flow_count}|20190627120500|")
    return "".join(line + newline for line in all_lines).encode("latin-1")


def read_all(data: bytes, **options):
    """The reader and every instance of a file that must be good."""
    reader = read_flow(io.BytesIO(data), **options)
    return reader, list(reader)


def error_of(data: bytes, **options) -> DtcError:
    """The DtcError a bad file gives, whether from the header or later."""
    with pytest.raises(DtcError) as caught:
        list(read_flow(io.BytesIO(data), **options))
    return caught.value
