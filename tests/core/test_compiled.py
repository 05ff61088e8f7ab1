from datetime import date

import pytest
from django.db.models import Q

from core.compiled import CompiledQuery, instances, rows_together
from registry.models import Meter, MeteringPoint, RelatedMpan
from tests.factories import MeterFactory, MeteringPointFactory, RelatedMpanFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_instances_are_what_the_orm_builds():
    point = MeteringPointFactory(
        supplier_date=date(2019, 6, 28), domestic_premises=True, dcc_service_flag=None
    )
    MeterFactory(metering_point=point, installation_date=date(2015, 3, 1))
    MeterFactory(metering_point=point, removal_date=date(2016, 1, 1))
    by_core = CompiledQuery(lambda core: MeteringPoint.objects.filter(pk=core), arity=1)
    meters = CompiledQuery(
        lambda core: Meter.objects.filter(metering_point_id=core).order_by("id"), arity=1
    )
    found = by_core.first(point.mpan_core)
    assert fields(found) == fields(MeteringPoint.objects.get(pk=point.mpan_core))
    assert isinstance(found.supplier_date, date) and found.domestic_premises is True
    assert not found._state.adding and found._state.db == "default"
    assert [fields(m) for m in meters.all(point.mpan_core)] == [
        fields(m) for m in Meter.objects.filter(metering_point=point).order_by("id")
    ]
    assert by_core.first("1200000000000") is None


def test_rows_are_converted_and_a_parameter_may_be_used_twice():
    link = RelatedMpanFactory(effective_date=date(2010, 1, 1))
    core = link.metering_point_id
    links = CompiledQuery(
        lambda core: (
            RelatedMpan.objects.filter(Q(metering_point_id=core) | Q(related_id=core))
            .order_by()
            .values_list("metering_point_id", "related_id", "effective_date")
        ),
        arity=1,
    )
    assert [tuple(row) for row in links.rows(core)] == [(core, link.related_id, date(2010, 1, 1))]
    assert [tuple(row) for row in links.rows(link.related_id)] == [
        (core, link.related_id, date(2010, 1, 1))
    ]
    with pytest.raises(ValueError, match="no instances"):
        links.all(core)


def test_shapes_it_cannot_run_faithfully_are_refused_when_compiled():
    contains = CompiledQuery(lambda text: MeteringPoint.objects.filter(postcode__contains=text), 1)
    with pytest.raises(ValueError, match="transformed"):
        contains.all("SW1")
    related = CompiledQuery(
        lambda core: Meter.objects.select_related("metering_point").filter(metering_point_id=core),
        1,
    )
    with pytest.raises(ValueError, match="select_related"):
        related.all("1")


def test_queries_sent_together_give_what_each_gives_alone():
    link = RelatedMpanFactory(effective_date=date(2010, 1, 1))
    core = link.metering_point_id
    MeterFactory(metering_point_id=core, serial="TOGETHER 1")
    MeterFactory(metering_point_id=core, serial="TOGETHER 2")
    by_core = CompiledQuery(lambda core: MeteringPoint.objects.filter(pk=core), arity=1)
    meters = CompiledQuery(
        lambda core: Meter.objects.filter(metering_point_id=core).order_by("id"), arity=1
    )
    links = CompiledQuery(
        lambda core: RelatedMpan.objects.filter(metering_point_id=core).values_list(
            "related_id", "effective_date"
        ),
        arity=1,
    )
    points, its_meters, its_links = rows_together(
        (by_core, (core,)), (meters, (core,)), (links, (core,))
    )
    assert [fields(p) for p in instances(by_core, points)] == [fields(by_core.first(core))]
    assert [fields(m) for m in instances(meters, its_meters)] == [
        fields(m) for m in meters.all(core)
    ]
    assert [tuple(row) for row in its_links] == [tuple(row) for row in links.rows(core)]
    assert [tuple(row) for row in its_links] == [(link.related_id, date(2010, 1, 1))]
    nothing, no_meters = rows_together((by_core, ("1200000000000",)), (meters, ("0",)))
    assert nothing == [] and no_meters == []


def test_compiled_sql_is_prepared_by_postgresql_and_gives_the_same_rows():
    """On PostgreSQL the compiled SQL goes through a server-binding cursor and is
    prepared once it has run DATABASES' prepare_threshold times; the rows stay what the
    ORM gives."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (DATABASE_URL=postgres://...)")
    point = MeteringPointFactory()
    by_core = CompiledQuery(lambda core: MeteringPoint.objects.filter(pk=core), arity=1)
    expected = fields(MeteringPoint.objects.get(pk=point.mpan_core))
    _, sql, _, _, _ = by_core.compiled("default")

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
                [sql.replace("%s", "$1")],
            )
            return cursor.fetchone()[0]

    assert prepared() == 0
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        assert fields(by_core.first(point.mpan_core)) == expected
    assert prepared() == 1


def test_integer_parameters_are_compiled_with_integer_markers():
    first, second = MeterFactory(), MeterFactory()
    by_id = CompiledQuery(lambda pk: Meter.objects.filter(pk=pk), arity=1, integers=[0])
    between = CompiledQuery(
        lambda low, core: Meter.objects.filter(pk__gte=low, metering_point_id=core),
        arity=2,
        integers=[0],
    )
    assert [m.pk for m in by_id.all(second.pk)] == [second.pk]
    assert [m.pk for m in between.all(first.pk, first.metering_point_id)] == [first.pk]
    assert between.all(second.pk + 1, second.metering_point_id) == []
    # An integer marker changed on its way into the SQL is refused, not kept as a constant.
    shifted = CompiledQuery(lambda pk: Meter.objects.filter(pk=pk + 1), arity=1, integers=[0])
    with pytest.raises(ValueError, match="transformed"):
        shifted.all(first.pk)
