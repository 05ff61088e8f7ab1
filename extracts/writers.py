"""The two extract files, written straight from the database with flat memory.

- Portfolio (gzip CSV): on PostgreSQL one `COPY (SELECT ...) TO STDOUT (FORMAT csv)`
  whose chunks go through gzip and SHA-256 into a temporary file, so the rows never
  exist as Python objects (the CSV is written by the server, formula-escaped in the
  SELECT by the same rule as `core.csvfile.csv_cell`); elsewhere (SQLite) a chunked ORM
  iterator through `core.csvfile.CsvWriter`, the reference the COPY path is held to by a
  test.
- Meter technical details (D0312 layout): a server-side cursor over the MOP's meters
  (Django's `iterator()` is one on PostgreSQL), grouped per point and written by
  `dtc.write_flow`, which checks every line as the reader would.

Each writer returns the row count; `Spool` counts the bytes and hashes them.
"""

import gzip
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from accounts.models import Organisation
from accounts.roles import MarketRole
from core.csvfile import FORMULA_STARTS, CsvWriter
from dtc import Instance, codes, write_flow
from extracts.kinds import PORTFOLIO_HEADER
from registry.models import Meter, MeteringPoint
from reports.services import DigestingWriter

# This service's own MPID and role in the headers of the DTC files it writes.
SERVICE_MPID = "ECOE"
SERVICE_ROLE = MarketRole.OPERATOR.value
CHUNK_SIZE = 5000

# What `core.csvfile.csv_cell` leaves alone although it starts like a formula: a number.
PLAIN_NUMBER = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def distributor_ids_of(organisation: Organisation) -> list[str]:
    """The DNO areas an organisation distributes in (from `dtc.codes`), if it holds R."""
    if MarketRole.DISTRIBUTOR not in organisation.role_codes:
        return []
    return sorted(code for code, d in codes.DISTRIBUTORS.items() if d.mpid == organisation.mpid)


def portfolio_points(organisation: Organisation) -> QuerySet[MeteringPoint]:
    """Every point where the organisation holds a role: registered supplier, appointed
    MOP, DC or DA, or distributor of the area."""
    mpid = organisation.mpid
    held = Q(supplier_mpid=mpid) | Q(mop_mpid=mpid) | Q(dc_mpid=mpid) | Q(da_mpid=mpid)
    areas = distributor_ids_of(organisation)
    if areas:
        held |= Q(distributor_id__in=areas)
    return MeteringPoint.objects.filter(held)


# --- Portfolio ---------------------------------------------------------------------------


def _meter_key(meter: Meter):
    # Newest installation first, never-dated last, then the serial: the SQL's order.
    installed = meter.installation_date
    return (installed is None, -(installed.toordinal() if installed else 0), meter.serial_key)


def _date(value) -> str:
    return value.isoformat() if value else ""


def portfolio_row(point: MeteringPoint) -> tuple[str, ...]:
    meters = sorted(point.meters.all(), key=_meter_key)
    serials = ", ".join(f"{m.serial} (removed)" if m.removal_date else m.serial for m in meters)
    details = "; ".join(
        ":".join(
            (m.serial, m.meter_type, _date(m.installation_date), _date(m.removal_date), m.map_mpid)
        )
        for m in meters
    )
    return (
        point.mpan_core,
        ", ".join(point.address_lines),
        point.postcode,
        point.supplier_mpid,
        _date(point.supplier_date),
        point.energisation_status,
        point.profile_class,
        serials,
        point.distributor_id,
        point.mop_mpid,
        point.dc_mpid,
        point.da_mpid,
        details,
    )


def _portfolio_rows_orm(organisation: Organisation) -> Iterator[tuple[str, ...]]:
    points = portfolio_points(organisation).order_by("mpan_core").prefetch_related("meters")
    for point in points.iterator(chunk_size=CHUNK_SIZE):
        yield portfolio_row(point)


def _escaped(expression: str) -> str:
    prefixes = ", ".join("E'" + p.encode("unicode_escape").decode() + "'" for p in FORMULA_STARTS)
    return (
        f"(CASE WHEN left({expression}, 1) IN ({prefixes}) "
        f"AND {expression} !~ '{PLAIN_NUMBER}' "
        f"THEN '''' || {expression} ELSE {expression} END)"
    )


def _portfolio_copy_sql(organisation: Organisation) -> tuple[str, list]:
    """The COPY statement of `portfolio_row`, column for column; also used by the bench."""
    point = MeteringPoint._meta.db_table
    meter = Meter._meta.db_table
    mpid = organisation.mpid
    where = "p.supplier_mpid = %s OR p.mop_mpid = %s OR p.dc_mpid = %s OR p.da_mpid = %s"
    params: list = [mpid, mpid, mpid, mpid]
    areas = distributor_ids_of(organisation)
    if areas:
        where += " OR p.distributor_id = ANY(%s)"
        params.append(areas)
    address = (
        "concat_ws(', ', "
        + ", ".join(f"NULLIF(p.{field}, '')" for field in MeteringPoint.ADDRESS_FIELDS)
        + ")"
    )
    order = "m.installation_date DESC NULLS LAST, m.serial_key"
    columns = [
        "p.mpan_core",
        _escaped(address),
        _escaped("p.postcode"),
        _escaped("p.supplier_mpid"),
        "coalesce(to_char(p.supplier_date, 'YYYY-MM-DD'), '')",
        _escaped("p.energisation_status"),
        _escaped("p.profile_class"),
        _escaped("coalesce(ms.serials, '')"),
        _escaped("p.distributor_id"),
        _escaped("p.mop_mpid"),
        _escaped("p.dc_mpid"),
        _escaped("p.da_mpid"),
        _escaped("coalesce(ms.details, '')"),
    ]
    # Only table names and fixed expressions are formatted in; the MPID is a parameter.
    select = f"""
        SELECT {", ".join(columns)}
        FROM {point} p
        LEFT JOIN LATERAL (
            SELECT
                string_agg(CASE WHEN m.removal_date IS NULL THEN m.serial
                                ELSE m.serial || ' (removed)' END, ', ' ORDER BY {order})
                    AS serials,
                string_agg(concat_ws(':', m.serial, m.meter_type,
                                     coalesce(to_char(m.installation_date, 'YYYY-MM-DD'), ''),
                                     coalesce(to_char(m.removal_date, 'YYYY-MM-DD'), ''),
                                     m.map_mpid), '; ' ORDER BY {order})
                    AS details
            FROM {meter} m WHERE m.metering_point_id = p.mpan_core
        ) ms ON true
        WHERE {where}
        ORDER BY p.mpan_core
    """  # noqa: S608
    return f"COPY ({select}) TO STDOUT (FORMAT csv)", params


def _header_line() -> bytes:
    text = io.StringIO()
    CsvWriter(text).writerow(PORTFOLIO_HEADER)
    return text.getvalue().encode("utf-8")


def portfolio_write(organisation: Organisation, out: DigestingWriter) -> int:
    """Write the organisation's portfolio as gzip CSV into `out`; returns the rows."""
    # mtime=0: the same rows give the same bytes, so the checksum names the content.
    with gzip.GzipFile(
        fileobj=out, mode="wb", compresslevel=settings.EXTRACT_GZIP_LEVEL, mtime=0
    ) as gz:
        gz.write(_header_line())
        if connection.vendor == "postgresql":
            statement, params = _portfolio_copy_sql(organisation)
            with transaction.atomic(), connection.cursor() as cursor:
                # JIT compiling the per-row expressions cost about a second and gained
                # nothing measurable on a COPY (docs/performance.md).
                cursor.execute("SET LOCAL jit = off")
                with cursor.cursor.copy(statement, params) as copy:
                    for chunk in copy:
                        gz.write(chunk)
                return cursor.cursor.rowcount
        text = io.TextIOWrapper(gz, encoding="utf-8", newline="", write_through=True)
        writer = CsvWriter(text)
        rows = 0
        for row in _portfolio_rows_orm(organisation):
            writer.writerow(row)
            rows += 1
        text.flush()
        text.detach()
        return rows


# --- Meter technical details (D0312) -------------------------------------------------------


def _mop_meter_instances(organisation: Organisation) -> Iterator[Instance]:
    meters = (
        Meter.objects.filter(metering_point__mop_mpid=organisation.mpid)
        .order_by("metering_point_id", "serial_key", "id")
        .values_list(
            "metering_point_id",
            "serial",
            "meter_type",
            "installation_date",
            "removal_date",
            "map_mpid",
        )
    )
    rows = meters.iterator(chunk_size=CHUNK_SIZE)
    for core, group in itertools.groupby(rows, key=lambda row: row[0]):
        yield Instance(
            "P01",
            items={"mpan_core": core},
            children=[
                Instance(
                    "P02",
                    items={
                        "meter_serial": serial,
                        "meter_type": meter_type,
                        "installation_date": installed,
                        "removal_date": removed,
                        "map_mpid": map_mpid or None,
                    },
                )
                for _, serial, meter_type, installed, removed, map_mpid in group
            ],
        )


def meter_technical_details_write(
    organisation: Organisation, out: DigestingWriter, *, file_id: str, created: datetime
) -> int:
    """The MOP's appointed points and their meters as a D0312 file; returns the points."""
    text = io.TextIOWrapper(out, encoding="latin-1", newline="", write_through=True)
    trailer = write_flow(
        text,
        flow_id="D0312",
        version="002",
        file_id=file_id,
        from_role=SERVICE_ROLE,
        from_mpid=SERVICE_MPID,
        to_role=MarketRole.METER_OPERATOR.value,
        to_mpid=organisation.mpid,
        created=created.astimezone(UTC).replace(microsecond=0),
        instances=_mop_meter_instances(organisation),
    )
    text.flush()
    text.detach()
    return trailer.flow_count
