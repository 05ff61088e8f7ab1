"""The flow table: the layouts of the DTC flows this service reads, as data.

The group ids (P01, R02, L01, ...) are THIS PROJECT'S OWN: the Data Transfer Catalogue's
real layouts are not available here. When they are, load them into this table; the
parser and writer read nothing else. docs/flows.md shows the same table for people.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dtc import codes

# Format kinds: how an item's text is checked and what Python value it becomes.
MPAN_CORE = "mpan_core"  # 13 digits with a valid check digit -> str
DATE = "date"  # YYYYMMDD -> datetime.date
DATETIME = "datetime"  # YYYYMMDDHHMMSS -> aware datetime in UTC
MPID = "mpid"  # 4 capital letters or digits -> str
CODE = "code"  # one of a code list -> str
TEXT = "text"  # free text of a bounded length -> str
DIGITS = "digits"  # ASCII digits of a bounded length -> str (keeps leading zeros)
ALPHANUMERIC = "alphanumeric"  # capital letters and digits of a bounded length -> str
FLOW_VERSION = "flow_version"  # flow id and 3-digit version, e.g. D0312002 -> str


@dataclass(frozen=True)
class Format:
    """How one item is written: its kind, bounds and (for codes) the allowed values."""

    kind: str
    label: str  # what the docs show and what error messages call a value of this format
    article: str = "a"  # "'XX' is not a meter type code", "... not an MPAN core"
    min_length: int = 0
    max_length: int = 0
    codes: Mapping[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Item:
    name: str
    format: Format
    mandatory: bool
    j_number: str | None = None  # the DTC data item number, where this project knows it


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    parent: str | None  # None: a top-level group
    min_occurs: int  # per parent instance (per file for top-level groups)
    max_occurs: int | None  # None: unbounded
    items: tuple[Item, ...]


@dataclass(frozen=True)
class FlowDefinition:
    flow_id: str
    name: str
    accepted_versions: frozenset[str]
    sender_role: str  # the market role code a sender must hold (ZHV from role)
    # The group that is one flow instance: counted by the trailer's flow count and yielded
    # by the reader with its children. Groups above it (D0204's R01) are yielded alone, as
    # soon as they are read, so that a file of millions of instances streams.
    instance_group: str
    groups: tuple[Group, ...]

    def group(self, group_id: str) -> Group:
        return self._groups_by_id[group_id]

    def children(self, group_id: str | None) -> tuple[Group, ...]:
        """The groups whose parent is ``group_id`` (None: the top-level groups), in order."""
        return tuple(g for g in self.groups if g.parent == group_id)

    @property
    def _groups_by_id(self) -> dict[str, Group]:
        return {g.group_id: g for g in self.groups}


def _code(codes_: Mapping[str, str], label: str, article: str = "a") -> Format:
    return Format(CODE, label, article, min(map(len, codes_)), max(map(len, codes_)), codes_)


def _text(max_length: int, min_length: int = 0) -> Format:
    return Format(
        TEXT, f"text of {min_length} to {max_length} characters", "", min_length, max_length
    )


def _digits(min_length: int, max_length: int | None = None) -> Format:
    max_length = max_length or min_length
    label = (
        f"{min_length} digits"
        if min_length == max_length
        else f"{min_length} to {max_length} digits"
    )
    return Format(DIGITS, label, "", min_length, max_length)


MPAN_CORE_FORMAT = Format(MPAN_CORE, "MPAN core", "an", 13, 13)
DATE_FORMAT = Format(DATE, "date (YYYYMMDD)", "a", 8, 8)
DATETIME_FORMAT = Format(DATETIME, "date and time (YYYYMMDDHHMMSS)", "a", 14, 14)
MPID_FORMAT = Format(MPID, "MPID (4 capital letters or digits)", "an", 4, 4)
LLFC_FORMAT = Format(ALPHANUMERIC, "LLFC (3 capital letters or digits)", "an", 3, 3)
FLOW_VERSION_FORMAT = Format(FLOW_VERSION, "flow id and 3-digit version (e.g. D0312002)", "a", 8, 8)
MARKET_ROLE_FORMAT = _code(codes.MARKET_ROLES, "market role code")
YES_NO_FORMAT = _code(codes.YES_NO, "Y/N flag")


def _m(name: str, fmt: Format, j_number: str | None = None) -> Item:
    return Item(name, fmt, mandatory=True, j_number=j_number)


def _o(name: str, fmt: Format, j_number: str | None = None) -> Item:
    return Item(name, fmt, mandatory=False, j_number=j_number)


# One meter: D0312's P02 and D0204's R04 carry the same items.
METER_ITEMS = (
    _m("meter_serial", _text(10, 1), "J0004"),
    _m("meter_type", _code(codes.METER_TYPES, "meter type code"), "J0483"),
    _o("installation_date", DATE_FORMAT),
    _o("removal_date", DATE_FORMAT),
    _o("map_mpid", MPID_FORMAT),
)

D0312 = FlowDefinition(
    flow_id="D0312",
    name="Notification of Meter Information",
    accepted_versions=frozenset({"002"}),
    sender_role="M",
    instance_group="P01",
    groups=(
        Group(
            "P01", "Metering point", None, 0, None, (_m("mpan_core", MPAN_CORE_FORMAT, "J0003"),)
        ),
        Group("P02", "Meter", "P01", 1, None, METER_ITEMS),
    ),
)

D0204 = FlowDefinition(
    flow_id="D0204",
    name="Selective or Full Refresh of MPAS Details",
    accepted_versions=frozenset({"002"}),
    sender_role="R",
    instance_group="R02",
    groups=(
        Group(
            "R01",
            "Refresh",
            None,
            1,
            1,
            (
                _m("refresh_type", _code(codes.REFRESH_TYPES, "refresh type (F or S)")),
                _m("distributor_id", _code(codes.DISTRIBUTOR_IDS, "distributor id (10 to 36)")),
            ),
        ),
        Group(
            "R02",
            "Metering point",
            "R01",
            0,
            None,
            (
                _m("mpan_core", MPAN_CORE_FORMAT, "J0003"),
                _m("gsp_group", _code(codes.GSP_GROUPS, "GSP group id")),
                _m("gsp_group_date", DATE_FORMAT),
                _o("supplier_mpid", MPID_FORMAT),
                _o("supplier_date", DATE_FORMAT),
                _o(
                    "energisation_status",
                    _code(codes.ENERGISATION_STATUSES, "energisation status (E or D)", "an"),
                ),
                _o("energisation_date", DATE_FORMAT),
                _o("profile_class", _code(codes.PROFILE_CLASSES, "profile class (00 to 08)")),
                _o(
                    "measurement_class",
                    _code(codes.MEASUREMENT_CLASSES, "measurement class (A to G)"),
                ),
                _o("mtc", _digits(3)),
                _o("mtc_date", DATE_FORMAT),
                _o("llfc", LLFC_FORMAT),
                _o("llfc_date", DATE_FORMAT),
                _o("ssc", _digits(4)),
                _o("ssc_date", DATE_FORMAT),
                _o("domestic_premises", YES_NO_FORMAT),
                _o("uprn", _digits(1, 12)),
                _o("mop_mpid", MPID_FORMAT),
                _o("mop_date", DATE_FORMAT),
                _o("dc_mpid", MPID_FORMAT),
                _o("dc_date", DATE_FORMAT),
                _o("da_mpid", MPID_FORMAT),
                _o("da_date", DATE_FORMAT),
                _o("smets_version", _code(codes.SMETS_VERSIONS, "SMETS version")),
                _o("dcc_service_flag", YES_NO_FORMAT),
                _o("ihd_status", _code(codes.IHD_STATUSES, "IHD status (I, D or E)", "an")),
            ),
        ),
        Group(
            "R03",
            "Address",
            "R02",
            1,
            1,
            (
                *(_o(f"address_line_{n}", _text(40)) for n in range(1, 10)),
                _o("postcode", _text(10)),
            ),
        ),
        Group("R04", "Meter", "R02", 0, None, METER_ITEMS),
    ),
)

D0386 = FlowDefinition(
    flow_id="D0386",
    name="Manage Metering Point Relationships",
    accepted_versions=frozenset({"001"}),
    sender_role="R",
    instance_group="L01",
    groups=(
        Group(
            "L01",
            "Relationship",
            None,
            0,
            None,
            (
                _m("primary_mpan_core", MPAN_CORE_FORMAT, "J0003"),
                _m("related_mpan_core", MPAN_CORE_FORMAT, "J0003"),
                _m("action", _code(codes.RELATIONSHIP_ACTIONS, "relationship action (A or R)")),
                _m("effective_date", DATE_FORMAT),
            ),
        ),
    ),
)

# The envelope of every flow: one header line first, one trailer line last. Laid out as
# groups so that the parser checks them with the same code as the data lines.
HEADER = Group(
    "ZHV",
    "File header",
    None,
    1,
    1,
    (
        _m("file_id", _text(10, 1)),
        _m("flow_version", FLOW_VERSION_FORMAT),
        _m("from_role", MARKET_ROLE_FORMAT),
        _m("from_mpid", MPID_FORMAT),
        _m("to_role", MARKET_ROLE_FORMAT),
        _m("to_mpid", MPID_FORMAT),
        _m("created", DATETIME_FORMAT),
        _o("sending_app", _text(20)),
        _o("receiving_app", _text(20)),
        _o("broadcast", _text(10)),
        _m("test_flag", _text(4, 1)),
    ),
)

TRAILER = Group(
    "ZPT",
    "File trailer",
    None,
    1,
    1,
    (
        _m("file_id", _text(10, 1)),
        _m("group_count", _digits(1, 10)),
        _o("checksum", _text(20)),
        _m("flow_count", _digits(1, 10)),
        _m("completed", DATETIME_FORMAT),
    ),
)

# flow id -> definition: every flow this service can read.
FLOWS: Mapping[str, FlowDefinition] = MappingProxyType(
    {flow.flow_id: flow for flow in (D0204, D0312, D0386)}
)
