"""Which data items of a metering point each market role sees: the one table.

Every channel that shows registry data asks this module: the detail page and the
results table (search.presentation), the API documents (search.serializers), the CSV
export and bulk results (search.presentation.csv_*), and extracts
(`data_items_for` + `document_withhold`). An organisation with several roles sees every
item any of its roles sees; the service operator sees everything.

The rule for meter asset providers follows the published change to the ECOES access
rules that listed the data items available to MAPs (MAP CP 0308, 2019): a MAP sees
what it needs to find and look after its meters (where the point is, its meters and
their smart details, who supplies it and who operates the meters), not the settlement
details, the other agents or the premises' domestic status. The list here is this
portal's reading of that change, not a copy of the real service's table.
"""

import time
from collections.abc import Iterable
from enum import StrEnum

from accounts.roles import MarketRole


class DataItem(StrEnum):
    """A data item (or a group of items that are always shown together)."""

    MPAN_CORE = "mpan_core"
    ADDRESS = "address"  # the address lines and the postcode
    UPRN = "uprn"
    SUPPLIER = "supplier"  # supplier MPID and its effective-from date
    DISTRIBUTOR = "distributor"
    GSP_GROUP = "gsp_group"
    PROFILE_CLASS = "profile_class"
    MEASUREMENT_CLASS = "measurement_class"
    METER_TIMESWITCH_CODE = "meter_timeswitch_code"
    LINE_LOSS_FACTOR_CLASS = "line_loss_factor_class"
    STANDARD_SETTLEMENT_CONFIGURATION = "standard_settlement_configuration"
    ENERGISATION_STATUS = "energisation_status"
    DOMESTIC_PREMISES = "domestic_premises"
    METER_OPERATOR = "meter_operator"
    DATA_COLLECTOR = "data_collector"
    DATA_AGGREGATOR = "data_aggregator"
    METERS = "meters"  # serials, types, installation and removal dates, MAP ids
    SMETS_VERSION = "smets_version"
    DCC_SERVICE_FLAG = "dcc_service_flag"
    IHD_STATUS = "ihd_status"
    RELATED_MPANS = "related_mpans"  # the indicator and the related MPAN cores


EVERY_ITEM = frozenset(DataItem)

# The table. A role missing here sees nothing but what every role sees (below).
ITEMS_BY_ROLE: dict[MarketRole, frozenset[DataItem]] = {
    MarketRole.SUPPLIER: EVERY_ITEM,
    MarketRole.DISTRIBUTOR: EVERY_ITEM,
    MarketRole.METER_OPERATOR: EVERY_ITEM,
    MarketRole.HH_DATA_COLLECTOR: EVERY_ITEM - {DataItem.IHD_STATUS},
    MarketRole.NHH_DATA_COLLECTOR: EVERY_ITEM - {DataItem.IHD_STATUS},
    MarketRole.METER_ASSET_PROVIDER: frozenset(
        {
            DataItem.MPAN_CORE,
            DataItem.ADDRESS,
            DataItem.UPRN,
            DataItem.SUPPLIER,
            DataItem.DISTRIBUTOR,
            DataItem.ENERGISATION_STATUS,
            DataItem.METER_OPERATOR,
            DataItem.METERS,
            DataItem.SMETS_VERSION,
            DataItem.DCC_SERVICE_FLAG,
        }
    ),
    MarketRole.OPERATOR: EVERY_ITEM,
}
# What finds a point at all: every role sees it.
ALWAYS = frozenset({DataItem.MPAN_CORE, DataItem.ADDRESS})


def data_items_for_roles(role_codes: Iterable[str]) -> frozenset[DataItem]:
    """The items an organisation with these market role codes sees."""
    items = set(ALWAYS)
    for code in role_codes:
        items |= ITEMS_BY_ROLE.get(MarketRole(code), frozenset())
    return frozenset(items)


def data_items_for(*, organisation=None, user=None, api_key=None) -> frozenset[DataItem]:
    """The items an organisation, a user (by their organisation) or an API key (by its
    organisation) sees. Service admins see everything; a user with no organisation sees
    only what finds a point."""
    if organisation is not None:
        return data_items_for_roles(organisation.role_codes)
    if api_key is not None:
        return data_items_for_roles(_role_codes(api_key.organisation_id))
    if user is not None and getattr(user, "is_service_admin", False):
        return EVERY_ITEM
    if getattr(user, "organisation_id", None) is None:
        return ALWAYS
    # The user's organisation: pages load it anyway (the header), once per request.
    return data_items_for_roles(user.organisation.role_codes)


# An API key's organisation's role codes, read once per process and kept a short while:
# every lookup needs them, and the API's hot path must not pay a query for them. A change of
# roles (rare, by the service desk) applies within ROLE_CODES_SECONDS.
ROLE_CODES_SECONDS = 30
_role_codes_read: dict[int, tuple[float, str]] = {}


def _role_codes(organisation_id: int) -> str:
    now = time.monotonic()
    held = _role_codes_read.get(organisation_id)
    if held is not None and now - held[0] < ROLE_CODES_SECONDS:
        return held[1]
    from accounts.models import Organisation

    codes = (
        Organisation.objects.filter(pk=organisation_id).values_list("role_codes", flat=True).first()
        or ""
    )
    _role_codes_read[organisation_id] = (now, codes)
    return codes


def role_codes_forget() -> None:
    """Forget the role codes read (tests, and after a change of an organisation's roles)."""
    _role_codes_read.clear()


# The keys of the API's detail document (search.serializers.detail_document) that each
# item governs, as paths: ("settlement", "gsp_group") is document["settlement"]["gsp_group"].
DOCUMENT_PATHS: dict[DataItem, tuple[tuple[str, ...], ...]] = {
    DataItem.MPAN_CORE: (("mpan_core",),),
    DataItem.ADDRESS: (("address", "lines"), ("address", "postcode")),
    DataItem.UPRN: (("address", "uprn"),),
    DataItem.SUPPLIER: (("registration", "supplier"),),
    DataItem.DISTRIBUTOR: (("registration", "distributor"),),
    DataItem.GSP_GROUP: (("settlement", "gsp_group"),),
    DataItem.PROFILE_CLASS: (("settlement", "profile_class"),),
    DataItem.MEASUREMENT_CLASS: (("settlement", "measurement_class"),),
    DataItem.METER_TIMESWITCH_CODE: (("settlement", "meter_timeswitch_code"),),
    DataItem.LINE_LOSS_FACTOR_CLASS: (("settlement", "line_loss_factor_class"),),
    DataItem.STANDARD_SETTLEMENT_CONFIGURATION: (
        ("settlement", "standard_settlement_configuration"),
    ),
    DataItem.ENERGISATION_STATUS: (("settlement", "energisation_status"),),
    DataItem.DOMESTIC_PREMISES: (("settlement", "domestic_premises"),),
    DataItem.METER_OPERATOR: (("agents", "meter_operator"),),
    DataItem.DATA_COLLECTOR: (("agents", "data_collector"),),
    DataItem.DATA_AGGREGATOR: (("agents", "data_aggregator"),),
    DataItem.METERS: (("meters",),),
    DataItem.SMETS_VERSION: (("smart", "smets_version"),),
    DataItem.DCC_SERVICE_FLAG: (("smart", "dcc_service_flag"),),
    DataItem.IHD_STATUS: (("smart", "ihd_status"),),
    DataItem.RELATED_MPANS: (("related_mpan_indicator",), ("related_mpans",)),
}


def document_withhold(document: dict, items: frozenset[DataItem]) -> dict:
    """The detail document without the items not in `items` (a withheld item's key is
    left out, and a group left empty is left out too). For extracts and the API."""
    if items >= EVERY_ITEM:
        return document
    for item in EVERY_ITEM - items:
        for path in DOCUMENT_PATHS[item]:
            parent = document
            for key in path[:-1]:
                parent = parent.get(key, {})
            parent.pop(path[-1], None)
    for key in [key for key, value in document.items() if value == {}]:
        del document[key]
    return document


# How the user guide names each item (docs/user-guide.md, "Data items by market role").
ITEM_LABELS = {
    DataItem.MPAN_CORE: "MPAN core",
    DataItem.ADDRESS: "Address and postcode",
    DataItem.UPRN: "UPRN",
    DataItem.SUPPLIER: "Supplier (and from)",
    DataItem.DISTRIBUTOR: "Distributor",
    DataItem.GSP_GROUP: "GSP group",
    DataItem.PROFILE_CLASS: "Profile class",
    DataItem.MEASUREMENT_CLASS: "Measurement class",
    DataItem.METER_TIMESWITCH_CODE: "Meter timeswitch code",
    DataItem.LINE_LOSS_FACTOR_CLASS: "Line loss factor class",
    DataItem.STANDARD_SETTLEMENT_CONFIGURATION: "Standard settlement configuration",
    DataItem.ENERGISATION_STATUS: "Energisation status",
    DataItem.DOMESTIC_PREMISES: "Domestic premises",
    DataItem.METER_OPERATOR: "Meter operator",
    DataItem.DATA_COLLECTOR: "Data collector",
    DataItem.DATA_AGGREGATOR: "Data aggregator",
    DataItem.METERS: "Meters (serials, types, dates, MAP ids)",
    DataItem.SMETS_VERSION: "SMETS version",
    DataItem.DCC_SERVICE_FLAG: "DCC service flag",
    DataItem.IHD_STATUS: "In-home display status",
    DataItem.RELATED_MPANS: "Related MPANs",
}


def items_table_markdown() -> str:
    """The table as the user guide shows it (a test holds the guide to it)."""
    roles = list(ITEMS_BY_ROLE)
    lines = [
        "| data item | " + " | ".join(f"{role.value}" for role in roles) + " |",
        "| --- |" + " :-: |" * len(roles),
    ]
    for item in DataItem:
        marks = ["yes" if item in ITEMS_BY_ROLE[role] | ALWAYS else "—" for role in roles]
        lines.append(f"| {ITEM_LABELS[item]} | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"
