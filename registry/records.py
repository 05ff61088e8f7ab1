"""From parsed DTC group instances to registry rows (pure Python, no Django).

The staging tables and the merge statements use the column lists below, so the
order of values in a row tuple is defined here once.
"""

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
_TEXT_ITEMS = [name for name in POINT_ITEMS if name not in _DATE_ITEMS]

# One staging table holds both the metering points ("P" rows) and their meters
# ("M" rows), so a whole file streams through a single COPY. (name, SQL type)
_POINT_STAGE = [
    ("distributor_id", "text"),
    *[(name, "date" if name in _DATE_ITEMS else "text") for name in POINT_ITEMS],
    *[(name, "boolean") for name in POINT_FLAGS],
    *[(name, "text") for name in ADDRESS_ITEMS],
    ("postcode", "text"),
    ("postcode_key", "text"),
    ("address_sort_key", "text"),
]
_METER_STAGE = [
    ("serial", "text"),
    ("serial_key", "text"),
    ("meter_type", "text"),
    ("installation_date", "date"),
    ("removal_date", "date"),
    ("map_mpid", "text"),
]
STAGE_COLUMNS = [("line_no", "integer"), ("kind", "text"), ("mpan_core", "text")]
STAGE_COLUMNS += _POINT_STAGE + _METER_STAGE
# The metering-point columns written from the staging table (same names on both).
POINT_COLUMNS = ["mpan_core", *(name for name, _ in _POINT_STAGE)]
METER_COLUMNS = [name for name, _ in _METER_STAGE]

_NO_POINT = (None,) * len(_POINT_STAGE)
_NO_METER = (None,) * len(_METER_STAGE)
_FLAG = {"Y": True, "N": False}


def point_row(point, *, distributor_id: str) -> tuple:
    """A staging row for one R02 instance (its R03 address child included)."""
    items = point.items
    address = {}
    for child in point.children:
        if child.group_id == "R03":
            address = child.items
            break
    lines = [address.get(name) or "" for name in ADDRESS_ITEMS]
    postcode = address.get("postcode") or ""
    values = [point.line_no, "P", items["mpan_core"], distributor_id]
    for name in POINT_ITEMS:
        value = items.get(name)
        values.append(value if value is not None or name in _DATE_ITEMS else "")
    values.extend(_FLAG.get(items.get(name) or "") for name in POINT_FLAGS)
    values.extend(lines)
    values.append(postcode)
    values.append(postcode_key(postcode))
    values.append(address_sort_key(lines))
    values.extend(_NO_METER)
    return tuple(values)


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
        items.get("map_mpid") or "",
    )
