"""A metering point's fields grouped as the detail page and the CSV export show them.

Codes carry their meanings from dtc.codes (the one place they are defined) and values
that change over time carry their effective-from date beside them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dtc import codes
from registry.models import Meter, MeteringPoint
from search.data_items import EVERY_ITEM, DataItem
from search.queries import MeteringPointDetail

YES_NO = {True: "Yes", False: "No", None: ""}


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    meaning: str = ""
    effective_from: date | None = None
    item: DataItem | None = None  # the data item shown (search.data_items)


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def meaning(code_list: Mapping[str, str], code: str) -> str:
    return code_list.get(code, "") if code else ""


def distributor_name(distributor_id: str) -> str:
    return meaning(codes.DISTRIBUTOR_IDS, distributor_id)


def participant_name(mpid: str | None) -> str:
    """The name of a market participant from its MPID ("" when not in the table)."""
    return codes.MARKET_PARTICIPANT_NAMES.get(mpid, "") if mpid else ""


def meter_serials_display(meters: list[Meter]) -> str:
    return ", ".join(
        f"{meter.serial} (removed)" if meter.removal_date else meter.serial for meter in meters
    )


def detail_sections(
    detail: MeteringPointDetail, items: frozenset[DataItem] = EVERY_ITEM
) -> list[Section]:
    """The registry fields of the point that `items` allows, grouped; meters and related
    MPANs are tables (the template asks `items` for those)."""
    sections = []
    for section in _all_sections(detail):
        rows = [row for row in section.rows if row.item in items]
        if rows:
            sections.append(Section(section.title, rows))
    return sections


def _all_sections(detail: MeteringPointDetail) -> list[Section]:
    p = detail.point
    item = DataItem  # short: every row names its item
    return [
        Section(
            "Address",
            [
                Row("Address", ", ".join(p.address_lines), item=item.ADDRESS),
                Row("Postcode", p.postcode, item=item.ADDRESS),
                Row("UPRN", p.uprn or "Not known", item=item.UPRN),
            ],
        ),
        Section(
            "Registration",
            [
                Row(
                    "Supplier",
                    p.supplier_mpid or "None registered",
                    participant_name(p.supplier_mpid),
                    effective_from=p.supplier_date,
                    item=item.SUPPLIER,
                ),
                Row(
                    "Distributor",
                    p.distributor_id,
                    distributor_name(p.distributor_id),
                    item=item.DISTRIBUTOR,
                ),
            ],
        ),
        Section(
            "Settlement",
            [
                Row(
                    "GSP group",
                    p.gsp_group,
                    meaning(codes.GSP_GROUPS, p.gsp_group),
                    p.gsp_group_date,
                    item=item.GSP_GROUP,
                ),
                Row(
                    "Profile class",
                    p.profile_class,
                    meaning(codes.PROFILE_CLASSES, p.profile_class),
                    item=item.PROFILE_CLASS,
                ),
                Row(
                    "Measurement class",
                    p.measurement_class,
                    meaning(codes.MEASUREMENT_CLASSES, p.measurement_class),
                    item=item.MEASUREMENT_CLASS,
                ),
                Row(
                    "Meter timeswitch code (MTC)",
                    p.mtc,
                    effective_from=p.mtc_date,
                    item=item.METER_TIMESWITCH_CODE,
                ),
                Row(
                    "Line loss factor class (LLFC)",
                    p.llfc,
                    effective_from=p.llfc_date,
                    item=item.LINE_LOSS_FACTOR_CLASS,
                ),
                Row(
                    "Standard settlement configuration (SSC)",
                    p.ssc,
                    effective_from=p.ssc_date,
                    item=item.STANDARD_SETTLEMENT_CONFIGURATION,
                ),
                Row(
                    "Energisation status",
                    p.energisation_status,
                    meaning(codes.ENERGISATION_STATUSES, p.energisation_status) or "Disconnected",
                    p.energisation_date,
                    item=item.ENERGISATION_STATUS,
                ),
                Row("Domestic premises", YES_NO[p.domestic_premises], item=item.DOMESTIC_PREMISES),
            ],
        ),
        Section(
            "Agents",
            [
                Row(
                    "Meter operator (MOP)",
                    p.mop_mpid,
                    participant_name(p.mop_mpid),
                    effective_from=p.mop_date,
                    item=item.METER_OPERATOR,
                ),
                Row(
                    "Data collector (DC)",
                    p.dc_mpid,
                    participant_name(p.dc_mpid),
                    effective_from=p.dc_date,
                    item=item.DATA_COLLECTOR,
                ),
                Row(
                    "Data aggregator (DA)",
                    p.da_mpid,
                    participant_name(p.da_mpid),
                    effective_from=p.da_date,
                    item=item.DATA_AGGREGATOR,
                ),
            ],
        ),
        Section(
            "Smart metering",
            [
                Row("SMETS version", p.smets_version, item=item.SMETS_VERSION),
                Row("DCC service flag", YES_NO[p.dcc_service_flag], item=item.DCC_SERVICE_FLAG),
                Row(
                    "In-home display (IHD)",
                    p.ihd_status,
                    meaning(codes.IHD_STATUSES, p.ihd_status),
                    item=item.IHD_STATUS,
                ),
            ],
        ),
    ]


# The CSV columns (export, bulk results) and the data item each shows.
CSV_COLUMNS = (
    ("MPAN core", DataItem.MPAN_CORE),
    ("Address", DataItem.ADDRESS),
    ("Postcode", DataItem.ADDRESS),
    ("Supplier", DataItem.SUPPLIER),
    ("Supplier from", DataItem.SUPPLIER),
    ("Energisation status", DataItem.ENERGISATION_STATUS),
    ("Profile class", DataItem.PROFILE_CLASS),
    ("Meter serials", DataItem.METERS),
)
CSV_HEADER = tuple(name for name, _ in CSV_COLUMNS)


def csv_header(items: frozenset[DataItem] = EVERY_ITEM) -> tuple[str, ...]:
    """The CSV columns `items` allows (a withheld item's column is left out)."""
    return tuple(name for name, item in CSV_COLUMNS if item in items)


def csv_row(point: MeteringPoint, items: frozenset[DataItem] = EVERY_ITEM) -> tuple[str, ...]:
    """One result as a CSV row of the columns `items` allows (csv_header); dates in ISO
    form for machines, codes as codes.

    Written through `core.csvfile`, which escapes cells a spreadsheet would run.
    """
    row = _csv_values(point)
    if items >= EVERY_ITEM:
        return row
    return tuple(value for value, (_, item) in zip(row, CSV_COLUMNS, strict=True) if item in items)


def _csv_values(point: MeteringPoint) -> tuple[str, ...]:
    return (
        point.mpan_core,
        ", ".join(point.address_lines),
        point.postcode,
        point.supplier_mpid,
        point.supplier_date.isoformat() if point.supplier_date else "",
        point.energisation_status,
        point.profile_class,
        meter_serials_display(list(point.meters.all())),
    )
