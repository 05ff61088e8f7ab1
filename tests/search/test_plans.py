"""On PostgreSQL, postcode and serial searches use their indexes, never a sequential scan
of the registry. Realistic proportions (about 18 points a postcode, one big postcode),
27,000 rows and fresh statistics; the planner is left free to choose."""

import pytest
from django.db import connection

from registry.keys import address_sort_key, postcode_key
from registry.models import AddressWords, Meter, MeteringPoint
from registry.services import address_words_refresh
from search.parsing import search_parse
from search.queries import metering_points_search
from tests.conftest import missing_part
from tests.factories import mpan_core_for

pytestmark = pytest.mark.django_db

POSTCODES = 1500
POINTS_PER_POSTCODE = 18
BIG_POSTCODE_POINTS = 1000


def _point(number: int, postcode: str, line_1: str) -> MeteringPoint:
    return MeteringPoint(
        mpan_core=mpan_core_for(number),
        distributor_id="12",
        gsp_group="_C",
        supplier_mpid="NLEN",
        address_line_1=line_1,
        postcode=postcode,
        uprn=str(100_000 + number),
        postcode_key=postcode_key(postcode),
        address_sort_key=address_sort_key([line_1]),
    )


@pytest.fixture(scope="module")
def registry_rows(django_db_setup, django_db_blocker):
    """Loaded once for the module, committed, and removed at its end."""
    if connection.vendor != "postgresql":
        missing_part("query plans are checked on PostgreSQL (DATABASE_URL)")
    with django_db_blocker.unblock():
        points = _load()
        try:
            yield points
        finally:
            Meter.objects.all().delete()
            MeteringPoint.objects.all().delete()
            AddressWords.objects.all().delete()


def _load() -> list[MeteringPoint]:
    points = [
        _point(n, f"E{n % POSTCODES // 26 + 1} {n % 9}A{chr(65 + n % POSTCODES % 26)}", f"{n} Road")
        for n in range(POSTCODES * POINTS_PER_POSTCODE)
    ]
    # One big block of flats, as a few real postcodes hold a thousand or more points.
    offset = len(points)
    points += [
        _point(offset + n, "E1 6AN", f"Flat {n}, Tower Block") for n in range(BIG_POSTCODE_POINTS)
    ]
    MeteringPoint.objects.bulk_create(points, batch_size=5000)
    Meter.objects.bulk_create(
        [
            Meter(metering_point_id=point.mpan_core, serial=f"K{n:08d}", serial_key=f"K{n:08d}")
            for n, point in enumerate(points)
        ],
        batch_size=5000,
    )
    address_words_refresh()
    # Vacuumed as autovacuum keeps a live table: the visibility map lets PostgreSQL
    # answer from an index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_meteringpoint")
        cursor.execute("VACUUM ANALYZE registry_meter")
        cursor.execute("VACUUM ANALYZE registry_addresswords")
    return points


def plan(queryset) -> str:
    return queryset.explain()


def assert_indexed(text: str, index: str) -> None:
    assert "Seq Scan on registry_" not in text, text
    assert index in text, text


def test_a_postcode_search_uses_the_postcode_index(registry_rows):
    query = search_parse("E1 6AN")
    points = metering_points_search(query)
    assert_indexed(plan(points[:50]), "registry_mp_postcode_idx")
    assert_indexed(plan(points[1000:1050]), "registry_mp_postcode_idx")
    assert_indexed(plan(points.values("pk")), "registry_mp_postcode_idx")


def test_a_postcode_and_building_search_uses_the_postcode_index(registry_rows):
    points = metering_points_search(search_parse("Flat 10 E1 6AN"))
    assert_indexed(plan(points[:50]), "registry_mp_postcode_idx")


def test_a_serial_search_uses_the_serial_index(registry_rows):
    query = search_parse("k 0000 1234")
    found = [point.mpan_core for point in metering_points_search(query)]
    assert found == [registry_rows[1234].mpan_core]
    assert_indexed(plan(metering_points_search(query)[:50]), "registry_meter_serial_idx")


def test_an_address_search_uses_the_address_words_index(registry_rows):
    found = metering_points_search(search_parse("Flat 10, Tower Block"))
    assert [point.address_line_1 for point in found] == ["Flat 10, Tower Block"]
    assert_indexed(
        plan(metering_points_search(search_parse("Flat 10, Tower Block"))),
        "registry_addresswords_idx",
    )


def test_a_uprn_search_uses_the_uprn_index(registry_rows):
    query = search_parse("UPRN 101234")
    assert [point.mpan_core for point in metering_points_search(query)] == [
        registry_rows[1234].mpan_core
    ]
    assert_indexed(plan(metering_points_search(query)[:50]), "registry_aw_uprn_idx")


def test_mpan_cores_have_no_pattern_index_to_maintain():
    """Django's varchar_pattern_ops twin of the primary key doubled the key's upkeep at
    32 million points; nothing searches MPAN cores with LIKE (registry 0002)."""
    if connection.vendor != "postgresql":
        missing_part("indexes are checked on PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN"
            " ('registry_meteringpoint', 'registry_relatedmpan')"
            " AND indexdef LIKE '%%varchar_pattern_ops%%'"
        )
        assert cursor.fetchall() == []


def test_a_deep_page_is_cut_on_the_index_alone(registry_rows):
    from search.queries import page_cut

    points = metering_points_search(search_parse("E1 6AN"), page=True)
    text = plan(page_cut(points, 950, 1000))
    assert "Index Only Scan using registry_mp_postcode_idx" in text, text
    assert "registry_meteringpoint_pkey" in text, text
    assert "Seq Scan on registry_" not in text, text
    cut = [point.mpan_core for point in page_cut(points, 950, 1000)]
    assert (
        cut
        == [point.mpan_core for point in metering_points_search(search_parse("E1 6AN"))][950:1000]
    )
