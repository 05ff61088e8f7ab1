"""The extract benchmark: a portfolio of N points against a raw COPY of the same rows.

Synthetic points are inserted by one INSERT ... SELECT generate_series (PostgreSQL only),
all supplied by the bench MPID and in an IDNO area, with one meter each, so that they
sit beside whatever else the database holds and can be removed again.
"""

import resource
import time
from dataclasses import dataclass

from django.db import connection, models, transaction

from accounts.models import Organisation
from extracts.kinds import ExtractKind, ExtractTrigger
from extracts.models import Extract
from extracts.services import extract_generate
from extracts.writers import _portfolio_copy_sql
from registry.models import Meter, MeteringPoint

BENCH_MPID = "BNCH"
BENCH_DISTRIBUTOR = "36"  # an IDNO id: no DNO's MPID owns it


def _blank(field: models.Field) -> str:
    if isinstance(field, models.BooleanField) and not field.null:
        return "false"
    if field.null:
        return "NULL"
    return "''"


def bench_points_load(*, points: int) -> None:
    """Insert `points` bench points (and a meter each) unless they are there already."""
    table = MeteringPoint._meta.db_table
    given = {
        "mpan_core": f"'{BENCH_DISTRIBUTOR}' || lpad(i::text, 11, '0')",
        "updated_at": "now()",
        "distributor_id": f"'{BENCH_DISTRIBUTOR}'",
        "gsp_group": "'_C'",
        "supplier_mpid": f"'{BENCH_MPID}'",
        "supplier_date": "date '2019-06-01' + (i %% 1000)",
        "energisation_status": "'E'",
        "profile_class": "'01'",
        "measurement_class": "'A'",
        "mop_mpid": "'MTRW'",
        "postcode": "'ZZ9 ' || (i %% 10)::text || 'ZZ'",
        "postcode_key": "'ZZ9' || (i %% 10)::text || 'ZZ'",
        "address_sort_key": "lpad(i::text, 12, '0')",
        "address_line_1": "i::text || ' Benchmark Road'",
        "address_line_2": "'Testtown'",
    }
    columns, values = [], []
    for field in MeteringPoint._meta.concrete_fields:
        columns.append(field.column)
        values.append(given.get(field.column, _blank(field)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE supplier_mpid = %s",  # noqa: S608
            [BENCH_MPID],
        )
        have = cursor.fetchone()[0]
        if have >= points:
            return
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM generate_series(%s, %s) AS i",
            [have + 1, points],
        )
        cursor.execute(
            f"INSERT INTO {Meter._meta.db_table} "  # noqa: S608
            "(metering_point_id, serial, serial_key, meter_type, map_mpid, installation_date) "
            f"SELECT '{BENCH_DISTRIBUTOR}' || lpad(i::text, 11, '0'), 'B' || i::text, "
            "'B' || i::text, 'N', 'MAPX', date '2019-06-27' FROM generate_series(%s, %s) AS i",
            [have + 1, points],
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"ANALYZE {Meter._meta.db_table}")


@dataclass(frozen=True)
class Timing:
    label: str
    rows: int
    seconds: float
    bytes: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _copy_to_nowhere(label: str, statement: str, params: list) -> Timing:
    started = time.perf_counter()
    size = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as the extract does
        with cursor.cursor.copy(statement, params) as copy:
            for chunk in copy:
                size += len(chunk)
        rows = cursor.cursor.rowcount
    return Timing(label, rows, time.perf_counter() - started, size)


def bench_raw_copy() -> list[Timing]:
    """The baselines: the points' table rows as they are, and the extract's own SELECT."""
    organisation = Organisation(mpid=BENCH_MPID, role_codes="X")
    table = MeteringPoint._meta.db_table
    plain = _copy_to_nowhere(
        "raw COPY of the points' rows (SELECT *)",
        f"COPY (SELECT * FROM {table} WHERE supplier_mpid = %s) TO STDOUT",  # noqa: S608
        [BENCH_MPID],
    )
    statement, params = _portfolio_copy_sql(organisation)
    shaped = _copy_to_nowhere("raw COPY of the extract's SELECT (no gzip)", statement, params)
    return [plain, shaped]


def bench_extract() -> tuple[Timing, int]:
    """The whole extract (COPY, gzip, SHA-256, archive copy, records); peak RSS in KiB."""
    organisation, _ = Organisation.objects.get_or_create(
        mpid=BENCH_MPID, defaults={"name": "Benchmark Supply", "role_codes": "X"}
    )
    with transaction.atomic():
        extract = Extract.objects.create(
            organisation=organisation,
            kind=ExtractKind.PORTFOLIO,
            trigger=ExtractTrigger.ON_DEMAND,
        )
    started = time.perf_counter()
    done = extract_generate(extract_id=extract.pk)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Timing(
        "extract (COPY + gzip + SHA-256 + archive)", done.row_count, seconds, done.size
    ), peak
