"""Apply one parsed flow to the registry, one function per flow.

Each function runs inside the single transaction that `flow_file_process` opens, so
an error anywhere (including the trailer check after the last line) rolls back
everything the file did. Refreshes (D0204) are big: they are staged in a temporary
table and merged with set-based SQL; on PostgreSQL the parser streams straight into
COPY, so memory stays flat for any file size. Meter notifications (D0312) and
relationships (D0386) are smaller and go through the ORM in chunks, which keeps the
record-level checks readable.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Organisation
from registry.errors import FlowProblem, FlowRejected
from registry.keys import serial_key
from registry.models import Meter, MeteringPoint, RelatedMpan
from registry.records import (
    METER_COLUMNS,
    METER_VALUES,
    POINT_COLUMNS,
    POINT_VALUES,
    STAGE_COLUMNS,
    meter_row,
    point_row,
)

# Record-level rejections listed on the file; the count is always exact.
MAX_LISTED_PROBLEMS = 1000
CHUNK = 1000
STAGE_TABLE = "registry_stage"
_SQLITE_BATCH = 5000


@dataclass
class ApplyResult:
    accepted: int = 0
    rejected: int = 0
    problems: list[FlowProblem] = field(default_factory=list)

    def reject(self, problem: FlowProblem) -> None:
        self.rejected += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def related_indicator_refresh(*, mpan_cores: Iterable[str]) -> None:
    """Set the related-MPAN indicator of these points from the links that exist now."""
    for chunk in _chunks(sorted(set(mpan_cores))):
        linked = set(
            RelatedMpan.objects.filter(metering_point_id__in=chunk).values_list(
                "metering_point_id", flat=True
            )
        ) | set(
            RelatedMpan.objects.filter(related_id__in=chunk).values_list("related_id", flat=True)
        )
        MeteringPoint.objects.filter(pk__in=linked, has_related_mpans=False).update(
            has_related_mpans=True
        )
        MeteringPoint.objects.filter(pk__in=set(chunk) - linked, has_related_mpans=True).update(
            has_related_mpans=False
        )


# --- D0204: refresh of MPAS details ------------------------------------------------------


@dataclass
class _Refresh:
    refresh_type: str = ""
    distributor_id: str = ""
    points: int = 0


def _refresh_rows(instances: Iterable, state: _Refresh, gsp_groups: dict[str, str]) -> Iterator:
    """Staging rows for a refresh; checks what the parser cannot know alone."""
    for instance in instances:
        if instance.group_id == "R01":
            if state.refresh_type:
                raise FlowRejected(
                    "a refresh carries exactly one R01 group", line=instance.line_no, group="R01"
                )
            state.refresh_type = instance.items["refresh_type"]
            state.distributor_id = instance.items["distributor_id"]
            points = instance.children
        else:
            points = (instance,)
        for point in points:
            if point.group_id != "R02":
                continue
            core = point.items["mpan_core"]
            if not state.distributor_id:
                raise FlowRejected("R02 before the R01 group", line=point.line_no, group="R02")
            if not core.startswith(state.distributor_id):
                raise FlowRejected(
                    f"MPAN core {core} does not belong to distributor {state.distributor_id}"
                    " named in R01",
                    line=point.line_no,
                    group="R02",
                    item="mpan_core",
                )
            expected_gsp = gsp_groups.get(state.distributor_id)
            if expected_gsp and point.items["gsp_group"] != expected_gsp:
                raise FlowRejected(
                    f"GSP group {point.items['gsp_group']} is not distributor"
                    f" {state.distributor_id}'s GSP group {expected_gsp}",
                    line=point.line_no,
                    group="R02",
                    item="gsp_group",
                )
            state.points += 1
            yield point_row(point, distributor_id=state.distributor_id)
            for meter in point.children:
                if meter.group_id == "R04":
                    yield meter_row(meter, mpan_core=core)


class _Vendor:
    """The few SQL spellings that differ between PostgreSQL and SQLite."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"
        self.differs = "IS DISTINCT FROM" if self.postgresql else "IS NOT"
        self.same = "IS NOT DISTINCT FROM" if self.postgresql else "IS"


def _stage_create(cursor, vendor: _Vendor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in STAGE_COLUMNS)
    # A temporary table is never WAL-logged and vanishes with a rollback.
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE_TABLE} ({columns})")


def _stage_write(cursor, vendor: _Vendor, rows: Iterator[tuple]) -> None:
    names = ", ".join(name for name, _ in STAGE_COLUMNS)
    if vendor.postgresql:
        # psycopg 3 COPY: rows go to the server as the parser yields them.
        with cursor.cursor.copy(f"COPY {STAGE_TABLE} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
        return
    marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
    sql = f"INSERT INTO {STAGE_TABLE} ({names}) VALUES ({marks})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _SQLITE_BATCH:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
    cursor.execute(f"CREATE INDEX {STAGE_TABLE}_core ON {STAGE_TABLE} (mpan_core, kind)")


def _refresh_duplicate(cursor) -> FlowRejected | None:
    cursor.execute(
        f"SELECT mpan_core, MIN(line_no), MAX(line_no) FROM {STAGE_TABLE} WHERE kind = 'P'"
        " GROUP BY mpan_core HAVING COUNT(*) > 1 ORDER BY 3 LIMIT 1"
    )
    found = cursor.fetchone()
    if not found:
        return None
    core, first, second = found
    return FlowRejected(
        f"MPAN core {core} appears twice in the file (also on line {first})",
        line=second,
        group="R02",
        item="mpan_core",
    )


def _refresh_merge(cursor, vendor: _Vendor, state: _Refresh, now) -> None:
    low = state.distributor_id
    high = str(int(low) + 1)
    point_names = ", ".join(POINT_COLUMNS)
    if state.refresh_type == "F":
        # The distributor's points that the file no longer lists go, with their
        # meters and relationships. Every core of the distributor starts with its id,
        # so the primary-key range selects them without another index.
        in_file = f"SELECT 1 FROM {STAGE_TABLE} s WHERE s.kind = 'P' AND s.mpan_core = {{}}.{{}}"
        cursor.execute(
            "DELETE FROM registry_meter WHERE metering_point_id >= %s AND metering_point_id < %s"
            f" AND NOT EXISTS ({in_file.format('registry_meter', 'metering_point_id')})",
            [low, high],
        )
        cursor.execute(
            "DELETE FROM registry_relatedmpan WHERE"
            " (metering_point_id >= %s AND metering_point_id < %s"
            f"  AND NOT EXISTS ({in_file.format('registry_relatedmpan', 'metering_point_id')}))"
            " OR (related_id >= %s AND related_id < %s"
            f"  AND NOT EXISTS ({in_file.format('registry_relatedmpan', 'related_id')}))"
            " RETURNING metering_point_id, related_id",
            [low, high, low, high],
        )
        touched = {core for pair in cursor.fetchall() for core in pair}
        cursor.execute(
            "DELETE FROM registry_meteringpoint WHERE mpan_core >= %s AND mpan_core < %s"
            f" AND NOT EXISTS ({in_file.format('registry_meteringpoint', 'mpan_core')})",
            [low, high],
        )
        if touched:
            related_indicator_refresh(mpan_cores=touched)

    updates = ", ".join(f"{name} = excluded.{name}" for name in POINT_COLUMNS[1:])
    old = ", ".join(f"registry_meteringpoint.{name}" for name in POINT_COLUMNS[1:])
    new = ", ".join(f"excluded.{name}" for name in POINT_COLUMNS[1:])
    sql = (
        f"INSERT INTO registry_meteringpoint ({point_names}, updated_at, has_related_mpans)"
        f" SELECT {', '.join(POINT_VALUES)}, %s, %s FROM {STAGE_TABLE} s WHERE s.kind = 'P'"
        f" ON CONFLICT (mpan_core) DO UPDATE SET {updates}, updated_at = excluded.updated_at"
        # Unchanged rows are not rewritten: a daily full refresh changes few points.
        f" WHERE ({old}) {vendor.differs} ({new})"
    )
    if vendor.postgresql:
        # A duplicate core makes PostgreSQL refuse the upsert; find its lines then,
        # so a good file pays nothing for the check.
        try:
            with transaction.atomic():
                cursor.execute(sql, [now, False])
        except DatabaseError:
            duplicate = _refresh_duplicate(cursor)
            if duplicate:
                raise duplicate from None
            raise
    else:
        duplicate = _refresh_duplicate(cursor)
        if duplicate:
            raise duplicate
        cursor.execute(sql, [now, False])

    # Meters of the refreshed points become the file's: unchanged meters stay as
    # they are, the others are deleted, and new ones inserted.
    meter_same = " AND ".join(
        f"{value} {vendor.same} registry_meter.{name}"
        for name, value in zip(METER_COLUMNS, METER_VALUES, strict=True)
    )
    cursor.execute(
        "DELETE FROM registry_meter WHERE metering_point_id >= %s AND metering_point_id < %s"
        f" AND EXISTS (SELECT 1 FROM {STAGE_TABLE} p WHERE p.kind = 'P'"
        "   AND p.mpan_core = registry_meter.metering_point_id)"
        f" AND NOT EXISTS (SELECT 1 FROM {STAGE_TABLE} s WHERE s.kind = 'M'"
        f"   AND s.mpan_core = registry_meter.metering_point_id AND {meter_same})",
        [low, high],
    )
    meter_names = ", ".join(METER_COLUMNS)
    cursor.execute(
        f"INSERT INTO registry_meter (metering_point_id, {meter_names})"
        f" SELECT s.mpan_core, {', '.join(METER_VALUES)}"
        f" FROM {STAGE_TABLE} s WHERE s.kind = 'M' AND NOT EXISTS ("
        "   SELECT 1 FROM registry_meter WHERE registry_meter.metering_point_id >= %s"
        "   AND registry_meter.metering_point_id < %s"
        f"  AND registry_meter.metering_point_id = s.mpan_core AND {meter_same})",
        [low, high],
    )


def refresh_apply(instances: Iterable, *, gsp_groups: dict[str, str]) -> ApplyResult:
    """D0204: a full refresh makes the distributor's points exactly the file's;
    a selective one inserts or updates the points it lists."""
    vendor = _Vendor()
    state = _Refresh()
    now = timezone.now()
    with connection.cursor() as cursor:
        if vendor.postgresql:
            # Room for the hash joins of a big merge, for this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        _stage_create(cursor, vendor)
        _stage_write(cursor, vendor, _refresh_rows(instances, state, gsp_groups))
        if not state.refresh_type:
            raise FlowRejected("the refresh has no R01 group", group="R01")
        _refresh_merge(cursor, vendor, state, now)
        cursor.execute(f"DROP TABLE {STAGE_TABLE}")
    return ApplyResult(accepted=state.points)


# --- D0312: meter information from the MOP ------------------------------------------------


def _meter_chunk_apply(points: list, *, sender: Organisation, result: ApplyResult, now) -> None:
    cores = {point.items["mpan_core"] for point in points}
    appointed = dict(
        MeteringPoint.objects.filter(pk__in=cores).values_list("mpan_core", "mop_mpid")
    )
    accepted = []
    for point in points:
        core = point.items["mpan_core"]
        if core not in appointed:
            result.reject(
                FlowProblem(
                    f"MPAN core {core} is not in the registry",
                    line=point.line_no,
                    group=point.group_id,
                    item="mpan_core",
                )
            )
        elif appointed[core] != sender.mpid:
            holder = (
                f"the appointed MOP is {appointed[core]}"
                if appointed[core]
                else "no MOP is appointed"
            )
            result.reject(
                FlowProblem(
                    f"{sender.mpid} is not the MOP appointed for {core} ({holder})",
                    line=point.line_no,
                    group=point.group_id,
                    item="mpan_core",
                )
            )
        else:
            accepted.append(point)
    if not accepted:
        return
    accepted_cores = {point.items["mpan_core"] for point in accepted}
    existing: dict[tuple[str, str], Meter] = {}
    for meter in Meter.objects.filter(metering_point_id__in=accepted_cores):
        existing.setdefault((meter.metering_point_id, meter.serial_key), meter)
    changed: dict[int, Meter] = {}
    new: dict[tuple[str, str], Meter] = {}
    for point in accepted:
        core = point.items["mpan_core"]
        for child in point.children:
            items = child.items
            key = (core, serial_key(items["meter_serial"]))
            meter = existing.get(key) or new.get(key)
            if meter is None:
                meter = new[key] = Meter(metering_point_id=core, serial_key=key[1])
            meter.serial = items["meter_serial"]
            meter.meter_type = items["meter_type"]
            meter.installation_date = items.get("installation_date")
            meter.removal_date = items.get("removal_date")
            meter.map_mpid = items.get("map_mpid") or ""
            if meter.pk:
                changed[meter.pk] = meter
    Meter.objects.bulk_update(
        changed.values(),
        ["serial", "meter_type", "installation_date", "removal_date", "map_mpid"],
        batch_size=CHUNK,
    )
    Meter.objects.bulk_create(new.values(), batch_size=CHUNK)
    MeteringPoint.objects.filter(pk__in=accepted_cores).update(updated_at=now)
    result.accepted += len(accepted)


def meter_information_apply(instances: Iterable, *, sender: Organisation) -> ApplyResult:
    """D0312: per metering point, only the appointed MOP's meters are taken; a meter
    is matched on its serial key (so a spacing variant updates, not duplicates)."""
    result = ApplyResult()
    now = timezone.now()
    chunk = []
    for instance in instances:
        chunk.append(instance)
        if len(chunk) >= CHUNK:
            _meter_chunk_apply(chunk, sender=sender, result=result, now=now)
            chunk = []
    if chunk:
        _meter_chunk_apply(chunk, sender=sender, result=result, now=now)
    return result


# --- D0386: related MPANs -------------------------------------------------------------------


def _relationship_apply(link, *, result: ApplyResult, touched: set[str]) -> None:
    items = link.items
    primary, related = items["primary_mpan_core"], items["related_mpan_core"]

    def reject(reason: str, item: str) -> None:
        result.reject(FlowProblem(reason, line=link.line_no, group=link.group_id, item=item))

    if primary == related:
        return reject(f"MPAN core {primary} cannot be related to itself", "related_mpan_core")
    known = set(
        MeteringPoint.objects.filter(pk__in=[primary, related]).values_list("pk", flat=True)
    )
    for core, item in ((primary, "primary_mpan_core"), (related, "related_mpan_core")):
        if core not in known:
            return reject(f"MPAN core {core} is not in the registry", item)
    either_way = RelatedMpan.objects.filter(
        metering_point_id=primary, related_id=related
    ) | RelatedMpan.objects.filter(metering_point_id=related, related_id=primary)
    if items["action"] == "A":
        if not either_way.update(effective_date=items["effective_date"]):
            RelatedMpan.objects.create(
                metering_point_id=primary,
                related_id=related,
                effective_date=items["effective_date"],
            )
    elif not either_way.delete()[0]:
        return reject(f"MPAN cores {primary} and {related} are not related", "related_mpan_core")
    touched.update((primary, related))
    result.accepted += 1
    return None


def relationships_apply(instances: Iterable) -> ApplyResult:
    """D0386: add or remove links between metering points, in file order, then set the
    related-MPAN indicator of every point the file touched."""
    result = ApplyResult()
    touched: set[str] = set()
    for link in instances:
        _relationship_apply(link, result=result, touched=touched)
    if touched:
        related_indicator_refresh(mpan_cores=touched)
    return result
