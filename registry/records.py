"""From parsed DTC group instances to registry rows (pure Python, no Django).

The staging tables and the merge statements use the column lists below, so the
order of values in a row tuple is defined here once.
"""

from operator import itemgetter

from dtc.flows import D0204
from registry.keys import address_sort_key, postcode_key, serial_key

# Items of a D0204 metering-point group (R02) stored as they are, in staging order.
POINT_ITEMS = [
    "gsp_group",
    "gsp_group_date",
    "supplier_mpid",
    "supplier_date",
    "energisation_status",
    "energisation_date",
    "profile_class",
    "measurement_class",
    "mtc",
    "mtc_date",
    "llfc",
    "llfc_date",
    "ssc",
    "ssc_date",
    "uprn",
    "mop_mpid",
    "mop_date",
    "dc_mpid",
    "dc_date",
    "da_mpid",
    "da_date",
    "smets_version",
    "ihd_status",
]
# Y/N items stored as booleans (None when blank).
POINT_FLAGS = ["domestic_premises", "dcc_service_flag"]
ADDRESS_ITEMS = [f"address_line_{n}" for n in range(1, 10)]
_DATE_ITEMS = {name for name in POINT_ITEMS if name.endswith("_date")}

# One staging table holds both the metering points ("P" rows) and their meters
# ("M" rows), so a whole file streams through a single COPY. Values are staged as the
# parser gives them (None for blank) and turned into the registry's form by the SQL
# expression beside each column, so the per-row Python work stays small.
# (name, staging SQL type, expression over the staging row "s")
_TEXT = "COALESCE(s.{0}, '')"
_AS_IS = "s.{0}"
_FLAG = "CASE s.{0} WHEN 'Y' THEN TRUE WHEN 'N' THEN FALSE END"
_POINT_STAGE = [
    ("distributor_id", "text", _AS_IS),
    *[
        (name, "date", _AS_IS) if name in _DATE_ITEMS else (name, "text", _TEXT)
        for name in POINT_ITEMS
    ],
    *[(name, "text", _FLAG) for name in POINT_FLAGS],
    *[(name, "text", _TEXT) for name in ADDRESS_ITEMS],
    ("postcode", "text", _TEXT),
    ("postcode_key", "text", _AS_IS),
    ("address_sort_key", "text", _AS_IS),
]
_METER_STAGE = [
    ("serial", "text", _AS_IS),
    ("serial_key", "text", _AS_IS),
    ("meter_type", "text", _AS_IS),
    ("installation_date", "date", _AS_IS),
    ("removal_date", "date", _AS_IS),
    ("map_mpid", "text", _TEXT),
]
STAGE_COLUMNS = [("line_no", "integer"), ("kind", "text"), ("mpan_core", "text")]
STAGE_COLUMNS += [(name, sql_type) for name, sql_type, _ in _POINT_STAGE + _METER_STAGE]
# The registry columns written from the staging table, and the values they take.
POINT_COLUMNS = ["mpan_core", *(name for name, _, _ in _POINT_STAGE)]
POINT_VALUES = ["s.mpan_core", *(expr.format(name) for name, _, expr in _POINT_STAGE)]
METER_COLUMNS = [name for name, _, _ in _METER_STAGE]
METER_VALUES = [expr.format(name) for name, _, expr in _METER_STAGE]

_NO_POINT = (None,) * len(_POINT_STAGE)
_NO_METER = (None,) * len(_METER_STAGE)
# itemgetter reads many items in one C call: this runs once per metering point.
_point_items = itemgetter(*POINT_ITEMS, *POINT_FLAGS)
_address_items = itemgetter(*ADDRESS_ITEMS, "postcode")
_NO_ADDRESS = (None,) * (len(ADDRESS_ITEMS) + 1)


def point_row(point, *, distributor_id: str) -> tuple:
    """A staging row for one R02 instance (its R03 address child included)."""
    address = _NO_ADDRESS
    for child in point.children:
        if child.group_id == "R03":
            address = _address_items(child.items)
            break
    return (
        point.line_no,
        "P",
        point.items["mpan_core"],
        distributor_id,
        *_point_items(point.items),
        *address,
        postcode_key(address[-1]),
        address_sort_key(address[:-1]),
        *_NO_METER,
    )


def meter_row(meter, *, mpan_core: str) -> tuple:
    """A staging row for one meter group instance (R04 in D0204, P02 in D0312)."""
    items = meter.items
    serial = items["meter_serial"]
    return (
        meter.line_no,
        "M",
        mpan_core,
        *_NO_POINT,
        serial,
        serial_key(serial),
        items["meter_type"],
        items.get("installation_date"),
        items.get("removal_date"),
        items.get("map_mpid"),
    )


# The fast path (PostgreSQL): text COPY rows built straight from the checked lines of a
# D0204, in the order the items come in the file, so a line's items become a row's
# columns with two string replacements. COPY names the staging columns in this order.
_R02_ITEMS = [item.name for item in D0204.group("R02").items]  # mpan_core first
_R03_ITEMS = [item.name for item in D0204.group("R03").items]
_R04_COLUMNS = ["serial", "meter_type", "installation_date", "removal_date", "map_mpid"]
COPY_COLUMNS = [
    "line_no",
    "kind",
    *_R02_ITEMS,
    *_R03_ITEMS,
    "postcode_key",
    "address_sort_key",
    *_R04_COLUMNS,
    "serial_key",
    "distributor_id",
]
_NULL = "\\N"
# A meter row leaves the point's columns null, a point row the meter's.
_NO_POINT_COPY = "\t".join([_NULL] * (len(_R02_ITEMS) - 1 + len(_R03_ITEMS) + 2))
_NO_METER_COPY = "\t".join([_NULL] * (len(_R04_COLUMNS) + 1))


def _copy_escaped(text: str) -> str:
    """Text as a COPY text value. Lines were checked to hold no control characters, so
    only the backslash needs escaping."""
    return text.replace("\\", "\\\\") if "\\" in text else text


def _copy_items(items: str) -> str:
    """The items of a line ("a|b||c", group id and last | cut off) as COPY columns,
    blank items as null."""
    if "\\" in items:
        items = items.replace("\\", "\\\\")
    # Twice: a run of blanks ("|||") shares its separators between matches.
    items = f"|{items}|".replace("||", "|\\N|").replace("||", "|\\N|")
    return items[1:-1].replace("|", "\t")


def copy_point_head(r02_text: str, line_no: int) -> str:
    """The first columns of a point's row, from its R02 line."""
    return f"{line_no}\tP\t{_copy_items(r02_text[4:-1])}"


def copy_point_row(head: str, r03_text: str, r03_fields: list[str], distributor_id: str) -> str:
    """A point's COPY row: its R02 head, its R03 address and the search keys."""
    postcode = postcode_key(r03_fields[10])
    sort_key = address_sort_key(r03_fields[1:10])
    if "\\" in r03_text:
        postcode, sort_key = _copy_escaped(postcode), _copy_escaped(sort_key)
    return (
        f"{head}\t{_copy_items(r03_text[4:-1])}\t{postcode}\t{sort_key}"
        f"\t{_NO_METER_COPY}\t{distributor_id}\n"
    )


def copy_meter_row(r04_text: str, r04_fields: list[str], line_no: int, mpan_core: str) -> str:
    """A meter's COPY row, from its R04 line."""
    return (
        f"{line_no}\tM\t{mpan_core}\t{_NO_POINT_COPY}\t{_copy_items(r04_text[4:-1])}"
        f"\t{_copy_escaped(serial_key(r04_fields[1]))}\t{_NULL}\n"
    )


# A distributor's first load (fast path): rows in the registry's own form, COPYed
# straight into its tables, with no staging table. Blank text is '' (an empty COPY
# field); blank dates and Y/N flags are null (PostgreSQL reads Y and N as booleans).
_NULLABLE = {name for name in _R02_ITEMS if name.endswith("_date")} | set(POINT_FLAGS)
_NULLABLE |= {"installation_date", "removal_date"}
DIRECT_POINT_COLUMNS = [
    *_R02_ITEMS,
    *_R03_ITEMS,
    "postcode_key",
    "address_sort_key",
    "distributor_id",
    "updated_at",
    "has_related_mpans",
]
DIRECT_METER_COLUMNS = ["metering_point_id", *_R04_COLUMNS, "serial_key"]


def _direct_formatter(names: list[str]):
    """A function from a line's fields to its items as COPY columns, joined by tabs.
    (A generated version saved 1-6 % of the parsing process's CPU on a 1 M-point first
    load, 30 November 2026: under the 10 % that would pay for generated code.)"""
    end = len(names) + 1
    nullable = [index for index, name in enumerate(names) if name in _NULLABLE]

    def columns(fields: list[str]) -> str:
        values = fields[1:end]
        for index in nullable:
            if not values[index]:
                values[index] = _NULL
        return "\t".join(values)

    return columns


_r02_columns = _direct_formatter(_R02_ITEMS)
_r03_columns = _direct_formatter(_R03_ITEMS)
_r04_columns = _direct_formatter(["serial", *_R04_COLUMNS[1:]])


def _escaped_fields(fields: list[str]) -> list[str]:
    return [field.replace("\\", "\\\\") for field in fields]


def direct_point_row(
    r02_text: str, r02_fields: list[str], r03_text: str, r03_fields: list[str], tail: str
) -> str:
    """A point's row for registry_meteringpoint; `tail` holds the last three columns
    (distributor id, updated at, related indicator), the same for the whole file."""
    postcode = postcode_key(r03_fields[10])
    sort_key = address_sort_key(r03_fields[1:10])
    if "\\" in r02_text:
        r02_fields = _escaped_fields(r02_fields)
    if "\\" in r03_text:
        r03_fields = _escaped_fields(r03_fields)
        postcode, sort_key = _copy_escaped(postcode), _copy_escaped(sort_key)
    return (
        f"{_r02_columns(r02_fields)}\t{_r03_columns(r03_fields)}\t{postcode}\t{sort_key}\t{tail}\n"
    )


def direct_meter_row(r04_text: str, r04_fields: list[str], mpan_core: str) -> str:
    """A meter's row for registry_meter."""
    key = serial_key(r04_fields[1])
    if "\\" in r04_text:
        r04_fields = _escaped_fields(r04_fields)
        key = _copy_escaped(key)
    return f"{mpan_core}\t{_r04_columns(r04_fields)}\t{key}\n"
