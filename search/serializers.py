"""The metering-point API's documents. Built from plain dicts (search.serializers.*_document)
so that the shape is declared once here and drf-spectacular documents it exactly."""

from django.urls import reverse
from rest_framework import serializers

from dtc import codes
from registry.models import Meter, MeteringPoint
from search.data_items import EVERY_ITEM, DataItem, document_withhold
from search.presentation import meaning
from search.queries import MeteringPointDetail


class CodedValueSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The code as held by the registry; blank if none.")
    meaning = serializers.CharField(help_text="What the code means (DTC code lists).")
    effective_from = serializers.DateField(allow_null=True, required=False)


class AppointmentSerializer(serializers.Serializer):
    mpid = serializers.CharField()
    effective_from = serializers.DateField(allow_null=True)


class MeterSerializer(serializers.Serializer):
    serial = serializers.CharField()
    meter_type = CodedValueSerializer()
    installation_date = serializers.DateField(allow_null=True)
    removal_date = serializers.DateField(allow_null=True)
    map_mpid = serializers.CharField(help_text="Meter asset provider (MAP) id.")


class AddressSerializer(serializers.Serializer):
    lines = serializers.ListField(child=serializers.CharField())
    postcode = serializers.CharField()
    uprn = serializers.CharField(required=False)


class RegistrationSerializer(serializers.Serializer):
    supplier = AppointmentSerializer(required=False)
    distributor = CodedValueSerializer(required=False)


class SettlementSerializer(serializers.Serializer):
    gsp_group = CodedValueSerializer(required=False)
    profile_class = CodedValueSerializer(required=False)
    measurement_class = CodedValueSerializer(required=False)
    meter_timeswitch_code = CodedValueSerializer(required=False)
    line_loss_factor_class = CodedValueSerializer(required=False)
    standard_settlement_configuration = CodedValueSerializer(required=False)
    energisation_status = CodedValueSerializer(required=False)
    domestic_premises = serializers.BooleanField(required=False, allow_null=True)


class AgentsSerializer(serializers.Serializer):
    meter_operator = AppointmentSerializer(required=False)
    data_collector = AppointmentSerializer(required=False)
    data_aggregator = AppointmentSerializer(required=False)


class SmartSerializer(serializers.Serializer):
    smets_version = serializers.CharField(required=False)
    dcc_service_flag = serializers.BooleanField(required=False, allow_null=True)
    ihd_status = CodedValueSerializer(required=False)


class RelatedMpanSerializer(serializers.Serializer):
    mpan_core = serializers.CharField()
    effective_from = serializers.DateField(allow_null=True)


class MeteringPointSummarySerializer(serializers.Serializer):
    mpan_core = serializers.CharField()
    address_lines = serializers.ListField(child=serializers.CharField())
    postcode = serializers.CharField()
    supplier_mpid = serializers.CharField(required=False)
    energisation_status = CodedValueSerializer(required=False)
    meter_serials = serializers.ListField(
        required=False,
        child=serializers.CharField(),
        help_text="Serials of the meters still fitted.",
    )
    url = serializers.CharField(help_text="The metering point's detail in this API.")


class MeteringPointDetailSerializer(serializers.Serializer):
    """A field the caller's market role does not see (search.data_items) is left out."""

    mpan_core = serializers.CharField()
    address = AddressSerializer()
    registration = RegistrationSerializer(required=False)
    settlement = SettlementSerializer(required=False)
    agents = AgentsSerializer(required=False)
    meters = MeterSerializer(required=False, many=True)
    smart = SmartSerializer(required=False)
    related_mpan_indicator = serializers.BooleanField(required=False)
    related_mpans = RelatedMpanSerializer(required=False, many=True)


class RelatedMpansSerializer(serializers.Serializer):
    mpan_core = serializers.CharField()
    related_mpan_indicator = serializers.BooleanField()
    related_mpans = RelatedMpanSerializer(many=True)


def related_document(detail: MeteringPointDetail) -> dict:
    return {
        "mpan_core": detail.point.mpan_core,
        "related_mpan_indicator": detail.point.has_related_mpans,
        "related_mpans": [
            {"mpan_core": link.mpan_core, "effective_from": link.effective_date}
            for link in detail.related
        ],
    }


BATCH_OPERATIONS = {
    "technical_details": "One metering point's detail; parameters: mpan.",
    "address_search": (
        "A search, first 50 results and the count; parameters as GET /api/v1/metering-points/"
        " (mpan, postcode, building, sub_building, street, locality, town, address, uprn, serial)."
    ),
    "related_mpans": "The MPANs related to one point; parameters: mpan.",
}


class BatchRequestSerializer(serializers.Serializer):
    operation = serializers.ChoiceField(
        choices=list(BATCH_OPERATIONS),
        help_text="; ".join(f"`{name}`: {text}" for name, text in BATCH_OPERATIONS.items()),
    )
    parameters = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        min_length=1,
        max_length=100,
        help_text="Up to 100 parameter sets; each is one lookup, counted against the cap.",
    )


class BatchErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class BatchResultSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status this set alone would have had.")
    result = serializers.DictField(
        required=False,
        help_text="As the single operation answers: the detail document, the related MPANs,"
        " or {count, results} of a search.",
    )
    error = BatchErrorSerializer(required=False)


class BatchResponseSerializer(serializers.Serializer):
    operation = serializers.CharField()
    results = BatchResultSerializer(many=True, help_text="One per parameter set, in order.")


def _coded(code_list, code: str, effective_from=None) -> dict:
    return {
        "code": code,
        "meaning": meaning(code_list, code) if code_list else "",
        "effective_from": effective_from,
    }


def _energisation(point: MeteringPoint) -> dict:
    coded = _coded(codes.ENERGISATION_STATUSES, point.energisation_status, point.energisation_date)
    if not point.energisation_status:
        coded["meaning"] = "Disconnected"
    return coded


# The summary's keys that a data item governs (search.data_items).
SUMMARY_ITEMS = {
    "supplier_mpid": DataItem.SUPPLIER,
    "energisation_status": DataItem.ENERGISATION_STATUS,
    "meter_serials": DataItem.METERS,
}


def summary_documents(points, *, request, items: frozenset[DataItem] = EVERY_ITEM) -> list[dict]:
    """The result rows of a search, without the items `items` withholds. The detail URL
    is reversed once per page, not once per row (an MPAN core is 13 digits, which URLs
    carry as they are)."""
    placeholder = "0" * 13
    template = request.build_absolute_uri(reverse("api-metering-point-detail", args=[placeholder]))
    head, _, tail = template.rpartition(placeholder)
    documents = [
        {
            "mpan_core": point.mpan_core,
            "address_lines": point.address_lines,
            "postcode": point.postcode,
            "supplier_mpid": point.supplier_mpid,
            "energisation_status": _energisation(point),
            "meter_serials": [m.serial for m in point.meters.all() if m.removal_date is None],
            "url": f"{head}{point.mpan_core}{tail}",
        }
        for point in points
    ]
    withheld = [key for key, item in SUMMARY_ITEMS.items() if item not in items]
    for document in documents:
        for key in withheld:
            del document[key]
    return documents


def _meter(meter: Meter) -> dict:
    return {
        "serial": meter.serial,
        "meter_type": _coded(codes.METER_TYPES, meter.meter_type),
        "installation_date": meter.installation_date,
        "removal_date": meter.removal_date,
        "map_mpid": meter.map_mpid,
    }


def detail_document(detail: MeteringPointDetail, items: frozenset[DataItem] = EVERY_ITEM) -> dict:
    """The detail document without the items `items` withholds (their keys left out)."""
    return document_withhold(_detail_document(detail), items)


def _detail_document(detail: MeteringPointDetail) -> dict:
    p = detail.point
    return {
        "mpan_core": p.mpan_core,
        "address": {"lines": p.address_lines, "postcode": p.postcode, "uprn": p.uprn},
        "registration": {
            "supplier": {"mpid": p.supplier_mpid, "effective_from": p.supplier_date},
            "distributor": _coded(codes.DISTRIBUTOR_IDS, p.distributor_id),
        },
        "settlement": {
            "gsp_group": _coded(codes.GSP_GROUPS, p.gsp_group, p.gsp_group_date),
            "profile_class": _coded(codes.PROFILE_CLASSES, p.profile_class),
            "measurement_class": _coded(codes.MEASUREMENT_CLASSES, p.measurement_class),
            "meter_timeswitch_code": _coded(None, p.mtc, p.mtc_date),
            "line_loss_factor_class": _coded(None, p.llfc, p.llfc_date),
            "standard_settlement_configuration": _coded(None, p.ssc, p.ssc_date),
            "energisation_status": _energisation(p),
            "domestic_premises": p.domestic_premises,
        },
        "agents": {
            "meter_operator": {"mpid": p.mop_mpid, "effective_from": p.mop_date},
            "data_collector": {"mpid": p.dc_mpid, "effective_from": p.dc_date},
            "data_aggregator": {"mpid": p.da_mpid, "effective_from": p.da_date},
        },
        "meters": [_meter(meter) for meter in detail.meters],
        "smart": {
            "smets_version": p.smets_version,
            "dcc_service_flag": p.dcc_service_flag,
            "ihd_status": _coded(codes.IHD_STATUSES, p.ihd_status),
        },
        "related_mpan_indicator": p.has_related_mpans,
        "related_mpans": [
            {"mpan_core": link.mpan_core, "effective_from": link.effective_date}
            for link in detail.related
        ],
    }
