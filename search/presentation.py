"""A metering point's fields grouped as the detail page and the CSV export show them.

Codes carry their meanings from dtc.codes (the one place they are defined) and values
that change over time carry their effective-from date beside them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dtc import codes
from registry.models import Meter, MeteringPoint
from search.queries import MeteringPointDetail

YES_NO = {True: "Yes", False: "No", None: ""}


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    meaning: str = ""
    effective_from: date | None = None


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def meaning(code_list: Mapping[str, str], code: str) -> str:
    return code_list.get(code, "") if code else ""


def distributor_name(distributor_id: str) -> str:
    return meaning(codes.DISTRIBUTOR_IDS, distributor_id)


def meter_serials_display(meters: list[Meter]) -> str:
    return ", ".join(
        f"{meter.serial} (removed)" if meter.removal_date else meter.serial for meter in meters
    )


def detail_sections(detail: MeteringPointDetail) -> list[Section]:
    """Every registry field of the point, grouped; meters and related MPANs are tables."""
    p = detail.point
    return [
        Section(
            "Address",
            [
                Row("Address", ", ".join(p.address_lines)),
                Row("Postcode", p.postcode),
                Row("UPRN", p.uprn or "Not known"),
            ],
        ),
        Section(
            "Registration",
            [
                Row(
                    "Supplier",
                    p.supplier_mpid or "None registered",
                    effective_from=p.supplier_date,
                ),
                Row(
                    "Distributor",
                    p.distributor_id,
                    distributor_name(p.distributor_id),
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
                ),
                Row(
                    "Profile class",
                    p.profile_class,
                    meaning(codes.PROFILE_CLASSES, p.profile_class),
                ),
                Row(
                    "Measurement class",
                    p.measurement_class,
                    meaning(codes.MEASUREMENT_CLASSES, p.measurement_class),
                ),
                Row("Meter timeswitch code (MTC)", p.mtc, effective_from=p.mtc_date),
                Row("Line loss factor class (LLFC)", p.llfc, effective_from=p.llfc_date),
                Row(
                    "Standard settlement configuration (SSC)",
                    p.ssc,
                    effective_from=p.ssc_date,
                ),
                Row(
                    "Energisation status",
                    p.energisation_status,
                    meaning(codes.ENERGISATION_STATUSES, p.energisation_status) or "Disconnected",
                    p.energisation_date,
                ),
                Row("Domestic premises", YES_NO[p.domestic_premises]),
            ],
        ),
        Section(
            "Agents",
            [
                Row("Meter operator (MOP)", p.mop_mpid, effective_from=p.mop_date),
                Row("Data collector", p.dc_mpid, effective_from=p.dc_date),
                Row("Data aggregator", p.da_mpid, effective_from=p.da_date),
            ],
        ),
        Section(
            "Smart metering",
            [
                Row("SMETS version", p.smets_version),
                Row("DCC service flag", YES_NO[p.dcc_service_flag]),
                Row(
                    "In-home display (IHD)",
                    p.ihd_status,
                    meaning(codes.IHD_STATUSES, p.ihd_status),
                ),
            ],
        ),
    ]


CSV_HEADER = (
    "MPAN core",
    "Address",
    "Postcode",
    "Supplier",
    "Supplier from",
    "Energisation status",
    "Profile class",
    "Meter serials",
)


def csv_row(point: MeteringPoint) -> tuple[str, ...]:
    """One result as a CSV row; dates in ISO form for machines, codes as codes.

    Written through `core.csvfile`, which escapes cells a spreadsheet would run.
    """
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
