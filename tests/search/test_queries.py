from datetime import date

import pytest

from search.parsing import SearchKind, SearchQuery, search_parse
from search.queries import metering_point_detail, metering_points_search
from tests.factories import MeterFactory, MeteringPointFactory, RelatedMpanFactory, mpan_core_for

pytestmark = pytest.mark.django_db


def cores(points) -> list[str]:
    return [point.mpan_core for point in points]


def test_an_mpan_search_finds_exactly_that_point():
    point = MeteringPointFactory()
    MeteringPointFactory()
    assert cores(metering_points_search(SearchQuery(SearchKind.MPAN, point.mpan_core))) == [
        point.mpan_core
    ]


def test_a_postcode_search_lists_the_postcode_in_address_order():
    ten = MeteringPointFactory(address_line_1="10 High Street")
    two = MeteringPointFactory(address_line_1="2 High Street")
    MeteringPointFactory(postcode="SW1A 2AA", address_line_1="1 Other Street")
    found = metering_points_search(search_parse("sw1a1aa"))
    assert cores(found) == [two.mpan_core, ten.mpan_core]


@pytest.mark.parametrize(
    ("building", "expected"),
    [
        ("10", ["10 High Street", "10, Low Road"]),
        ("rose cottage", ["Rose Cottage"]),
        ("Flat 2", ["Flat 2"]),
    ],
)
def test_a_building_narrows_a_postcode_to_lines_that_are_or_start_with_it(building, expected):
    for line in ["10 High Street", "10, Low Road", "110 High Street", "Rose Cottage", "Flat 2"]:
        MeteringPointFactory(address_line_1=line)
    MeteringPointFactory(address_line_1="Flat 10", address_line_2="Tower Block")
    found = metering_points_search(SearchQuery(SearchKind.POSTCODE, "SW1A1AA", building))
    assert sorted(point.address_line_1 for point in found) == sorted(expected)


def test_a_building_on_the_second_address_line_is_found():
    point = MeteringPointFactory(address_line_1="Flat 3", address_line_2="Rose Court")
    found = metering_points_search(search_parse("Rose Court SW1A 1AA"))
    assert cores(found) == [point.mpan_core]


def test_a_serial_search_finds_the_point_once_whatever_the_spacing_of_the_query():
    point = MeteringPointFactory()
    MeterFactory(metering_point=point, serial="S95A 12345")
    MeterFactory(metering_point=point, serial="S95A12345", removal_date=date(2020, 1, 1))
    MeterFactory(serial="K01")
    found = list(metering_points_search(search_parse("s95a-123 45")))
    assert cores(found) == [point.mpan_core]
    assert [m.serial for m in found[0].meters.all()] == ["S95A 12345", "S95A12345"]


def test_the_same_serial_at_two_points_finds_both():
    first, second = MeterFactory(serial="K01"), MeterFactory(serial="K 01")
    found = metering_points_search(search_parse("k01"))
    assert cores(found) == sorted([first.metering_point_id, second.metering_point_id])


def test_a_large_postcode_is_paged_not_truncated(django_assert_num_queries):
    from django.core.paginator import Paginator

    MeteringPointFactory.create_batch(1203, postcode="E1 6AN")
    paginator = Paginator(metering_points_search(search_parse("E1 6AN")), 50)
    assert paginator.count == 1203
    assert paginator.num_pages == 25
    with django_assert_num_queries(2):  # the page and its meters
        last = list(paginator.page(25).object_list)
    assert len(last) == 3
    seen = set()
    for number in paginator.page_range:
        seen.update(cores(paginator.page(number).object_list))
    assert len(seen) == 1203


def test_the_detail_loads_point_meters_and_related_mpans_in_three_queries(
    django_assert_num_queries,
):
    point = MeteringPointFactory(has_related_mpans=True)
    MeterFactory.create_batch(3, metering_point=point)
    export = RelatedMpanFactory(metering_point=point, effective_date=date(2019, 6, 29)).related
    primary = RelatedMpanFactory(related=point).metering_point
    with django_assert_num_queries(3):
        detail = metering_point_detail(point.mpan_core)
        meters = list(detail.meters)
        related = [link.mpan_core for link in detail.related]
    assert len(meters) == 3
    assert related == sorted([export.mpan_core, primary.mpan_core])


def test_the_detail_of_an_unknown_mpan_is_none():
    assert metering_point_detail(mpan_core_for(1)) is None


def test_meters_attached_to_a_page_are_what_prefetching_finds(django_assert_num_queries):
    from registry.models import MeteringPoint
    from search.queries import meters_attach

    with_meters = MeteringPointFactory()
    MeterFactory(metering_point=with_meters, serial="OLD", removal_date=date(2015, 1, 1))
    MeterFactory(metering_point=with_meters, serial="NEW", installation_date=date(2015, 1, 1))
    without = MeteringPointFactory()
    points = list(MeteringPoint.objects.filter(pk__in=[with_meters.pk, without.pk]))
    with django_assert_num_queries(1):
        meters_attach(points)
    with django_assert_num_queries(0):
        found = {point.pk: [m.serial for m in point.meters.all()] for point in points}
    assert found == {with_meters.pk: ["NEW", "OLD"], without.pk: []}
    prefetched = metering_points_search(SearchQuery(SearchKind.MPAN, with_meters.pk))
    assert [m.serial for m in prefetched[0].meters.all()] == found[with_meters.pk]
    with django_assert_num_queries(0):
        meters_attach([])
