"""DTC flow files: a streaming parser and a writer, in pure Python (no Django here).

The layouts are data in ``dtc.flows``; code lists in ``dtc.codes``; MPAN cores in
``dtc.mpan``. See docs/flows.md.
"""

from dtc.errors import DtcError, FastPathDeclined, FlowNotAccepted
from dtc.flows import FLOWS, FlowDefinition
from dtc.mpan import InvalidMpan, normalise_mpan
from dtc.parser import DtcReader, Header, Instance, Trailer, read_flow
from dtc.writer import write_flow

__all__ = [
    "FLOWS",
    "DtcError",
    "DtcReader",
    "FastPathDeclined",
    "FlowDefinition",
    "FlowNotAccepted",
    "Header",
    "Instance",
    "InvalidMpan",
    "Trailer",
    "normalise_mpan",
    "read_flow",
    "write_flow",
]
