"""The SQL of a D0204 refresh (`registry.refresh`), built once per refresh.

The registry's table and column names come from the models' `_meta`, quoted by the
connection, so a renamed table or column changes here by itself. The staging tables are
temporary tables of the refresh's own; their columns are `registry.records`' lists.
"""

from django.db import connection

from registry.models import Meter, MeteringPoint, RelatedMpan
from registry.records import (
    DIRECT_METER_COLUMNS,
    DIRECT_POINT_COLUMNS,
    METER_COLUMNS,
    METER_VALUES,
    POINT_COLUMNS,
    POINT_VALUES,
    STAGE_COLUMNS,
)

STAGE = "registry_stage"  # one chunk of points ("P") and meters ("M")
SEEN = "registry_stage_seen"  # every MPAN core of the file so far, with its line
METERS = "registry_stage_meters"  # every meter of the file so far
RECONCILE = "registry_stage_reconcile"  # fast path: points whose meters wait for the end


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    """The quoted column of a field, by its name or attribute name (`metering_point_id`)."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _columns(model, names: list[str]) -> str:
    return ", ".join(_column(model, name) for name in names)


class RefreshSql:
    """The refresh's SQL, with the few spellings that differ between the databases."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"
        differs = "IS DISTINCT FROM" if self.postgresql else "IS NOT"
        same = "IS NOT DISTINCT FROM" if self.postgresql else "IS"
        points, meters, links = _table(MeteringPoint), _table(Meter), _table(RelatedMpan)
        core = _column(MeteringPoint, "mpan_core")
        point_of = _column(Meter, "metering_point_id")
        link_point, link_related = (
            _column(RelatedMpan, "metering_point_id"),
            _column(RelatedMpan, "related_id"),
        )
        self.names = ", ".join(name for name, _ in STAGE_COLUMNS)
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in STAGE_COLUMNS)
        types = dict(STAGE_COLUMNS)
        meter_columns = ", ".join(f"{name} {types[name]}" for name in METER_COLUMNS)
        # Temporary tables are never WAL-logged and vanish with a rollback.
        self.create = [
            f"DROP TABLE IF EXISTS {STAGE}",
            f"DROP TABLE IF EXISTS {SEEN}",
            f"CREATE TEMPORARY TABLE {STAGE} ({columns})",
            f"CREATE TEMPORARY TABLE {SEEN} (mpan_core text PRIMARY KEY, line_no integer)",
            f"CREATE TEMPORARY TABLE {METERS} (mpan_core text, {meter_columns})",
            f"DROP TABLE IF EXISTS {RECONCILE}",
            f"CREATE TEMPORARY TABLE {RECONCILE} (mpan_core text PRIMARY KEY)",
        ]
        if not self.postgresql:
            # SQLite has no hash joins: the lookups into the file's meters need an index.
            self.create.append(f"CREATE INDEX {METERS}_core ON {METERS} (mpan_core)")
        self.empty = f"TRUNCATE {STAGE}" if self.postgresql else f"DELETE FROM {STAGE}"
        self.seen = (
            f"INSERT INTO {SEEN} (mpan_core, line_no)"
            f" SELECT mpan_core, line_no FROM {STAGE} WHERE kind = 'P'"
        )
        meter_names = ", ".join(METER_COLUMNS)
        self.keep_meters = (
            f"INSERT INTO {METERS} (mpan_core, {meter_names})"
            f" SELECT mpan_core, {meter_names} FROM {STAGE} WHERE kind = 'M'"
        )
        point_targets = [_column(MeteringPoint, name) for name in POINT_COLUMNS]
        updates = ", ".join(f"{name} = excluded.{name}" for name in point_targets[1:])
        old = ", ".join(f"{points}.{name}" for name in point_targets[1:])
        new = ", ".join(f"excluded.{name}" for name in point_targets[1:])
        updated_at = _column(MeteringPoint, "updated_at")
        # A distributor's first load: no point of the file can exist (its cores all
        # start with the distributor's id), so a plain insert, no conflict checks.
        self.insert_new = (
            f"INSERT INTO {points} ({', '.join(point_targets)},"
            f" {updated_at}, {_column(MeteringPoint, 'has_related_mpans')})"
            f" SELECT {', '.join(POINT_VALUES)}, %s, %s FROM {STAGE} s WHERE s.kind = 'P'"
        )
        self.upsert = (
            f"{self.insert_new}"
            f" ON CONFLICT ({core}) DO UPDATE SET {updates},"
            f" {updated_at} = excluded.{updated_at}"
            # Unchanged rows are not rewritten: a daily full refresh changes few points.
            f" WHERE ({old}) {differs} ({new})"
        )
        # xmax is 0 for a row this statement inserted (PostgreSQL only).
        self.upsert_counting_new = (
            f"WITH changed AS ({self.upsert} RETURNING (xmax = 0) AS new)"
            " SELECT COUNT(*) FILTER (WHERE new) FROM changed"
        )
        meter_same = " AND ".join(
            f"{value} {same} {meters}.{_column(Meter, name)}"
            for name, value in zip(METER_COLUMNS, METER_VALUES, strict=True)
        )
        meter_targets = f"{point_of}, {_columns(Meter, METER_COLUMNS)}"

        # Once the whole file is staged, the meters of its points become the file's:
        # unchanged ones stay, others go, new ones come (two set-based statements,
        # rather than one join against the meter table per chunk). `listed` is the
        # table of the points concerned: SEEN, or RECONCILE on the fast path.
        def meters_delete(listed: str) -> str:
            return (
                f"DELETE FROM {meters} WHERE {point_of} IN (SELECT mpan_core FROM {listed})"
                f" AND NOT EXISTS (SELECT 1 FROM {METERS} s"
                f"   WHERE s.mpan_core = {meters}.{point_of} AND {meter_same})"
            )

        self.meters_delete = meters_delete(SEEN)
        self.reconcile_delete = meters_delete(RECONCILE)
        self.meters_insert_all = (
            f"INSERT INTO {meters} ({meter_targets})"
            f" SELECT s.mpan_core, {', '.join(METER_VALUES)} FROM {METERS} s"
        )
        self.meters_insert = (
            f"{self.meters_insert_all} WHERE NOT EXISTS (SELECT 1 FROM {meters}"
            f"   WHERE {meters}.{point_of} = s.mpan_core AND {meter_same})"
        )
        self.meters_insert_chunk = (
            f"INSERT INTO {meters} ({meter_targets})"
            f" SELECT s.mpan_core, {', '.join(METER_VALUES)} FROM {STAGE} s WHERE s.kind = 'M'"
        )

        # A full refresh: the distributor's points the file did not list. Every core
        # of a distributor starts with its id, so a primary-key range selects them.
        def gone(column: str) -> str:
            return f"NOT EXISTS (SELECT 1 FROM {SEEN} e WHERE e.mpan_core = {column})"

        self.gone_meters = (
            f"DELETE FROM {meters} WHERE {point_of} >= %s AND {point_of} < %s"
            f" AND {gone(f'{meters}.{point_of}')}"
        )
        self.gone_links = (
            f"DELETE FROM {links} WHERE"
            f" ({link_point} >= %s AND {link_point} < %s"
            f"  AND {gone(f'{links}.{link_point}')})"
            f" OR ({link_related} >= %s AND {link_related} < %s"
            f"  AND {gone(f'{links}.{link_related}')})"
            f" RETURNING {link_point}, {link_related}"
        )
        self.gone_points = (
            f"DELETE FROM {points} WHERE {core} >= %s AND {core} < %s"
            f" AND {gone(f'{points}.{core}')}"
        )
        self.drop = [
            f"DROP TABLE {STAGE}",
            f"DROP TABLE {SEEN}",
            f"DROP TABLE {METERS}",
            f"DROP TABLE {RECONCILE}",
        ]
        self.reconcile_later = (
            f"INSERT INTO {RECONCILE} (mpan_core) SELECT mpan_core FROM {STAGE} WHERE kind = 'P'"
        )
        self.points_before = f"SELECT COUNT(*) FROM {points} WHERE {core} >= %s AND {core} < %s"
        # A distributor's first load (fast path): COPY straight into the registry.
        self.direct_points = (
            f"COPY {points} ({_columns(MeteringPoint, DIRECT_POINT_COLUMNS)}) FROM STDIN"
        )
        self.direct_meters = f"COPY {meters} ({_columns(Meter, DIRECT_METER_COLUMNS)}) FROM STDIN"
