"""The API answers with the documents as built (search.serializers.*_document), not run
through the serializers: these tests hold the two to the same bytes, so the schema the
serializers declare is exactly what the API sends."""

from datetime import date

import pytest
from django.test import RequestFactory
from rest_framework.renderers import JSONRenderer

from search.parsing import SearchKind, SearchQuery
from search.queries import metering_point_detail, metering_points_search
from search.serializers import (
    MeteringPointDetailSerializer,
    MeteringPointSummarySerializer,
    detail_document,
    summary_documents,
)
from tests.factories import MeterFactory, MeteringPointFactory, RelatedMpanFactory

pytestmark = pytest.mark.django_db


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.fixture
def points():
    full = MeteringPointFactory(
        address_line_1="Flat 3, Ŵelsh Cottage",
        address_line_2="Ffordd «Newydd»",
        uprn="10012345678",
        supplier_date=date(2019, 6, 28),
        energisation_date=date(2001, 1, 1),
        gsp_group_date=date(1998, 9, 1),
        mtc="845",
        mtc_date=date(2015, 3, 1),
        llfc="021",
        ssc="0393",
        domestic_premises=True,
        smets_version="SMETS2",
        dcc_service_flag=True,
        ihd_status="I",
        mop_mpid="MTRW",
        mop_date=date(2015, 3, 1),
    )
    MeterFactory(metering_point=full, serial="S95A 12345", installation_date=date(2015, 3, 1))
    MeterFactory(
        metering_point=full,
        serial="OLD1",
        meter_type="",
        installation_date=date(2001, 1, 1),
        removal_date=date(2015, 3, 1),
    )
    RelatedMpanFactory(metering_point=full, effective_date=date(2010, 1, 1))
    bare = MeteringPointFactory(
        energisation_status="", profile_class="", domestic_premises=None, address_line_2=""
    )
    return full, bare


def test_detail_documents_are_what_the_serializer_would_send(points):
    for point in points:
        document = detail_document(metering_point_detail(point.mpan_core))
        assert rendered(document) == rendered(MeteringPointDetailSerializer(document).data)


def test_summary_documents_are_what_the_serializer_would_send(points):
    request = RequestFactory().get("/api/v1/metering-points/")
    found = list(metering_points_search(SearchQuery(SearchKind.POSTCODE, "SW1A1AA")))
    assert len(found) == 3  # the two, and the related point the factory made
    documents = summary_documents(found, request=request)
    assert documents[0]["url"] == f"http://testserver/api/v1/metering-points/{found[0].mpan_core}/"
    serialized = MeteringPointSummarySerializer(documents, many=True).data
    assert rendered(documents) == rendered(serialized)
