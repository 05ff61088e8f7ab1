"""Benchmark (not a test): a bulk search of N rows end to end on PostgreSQL."""

import random  # synthetic benchmark data, seeded: not for secrets
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organisation, User
from bench.generate import mpan_core
from bulk.models import BulkSearch, BulkSearchStatus
from bulk.services import bulk_search_submit
from registry.keys import address_sort_key, postcode_key
from registry.models import Meter, MeteringPoint
from search.models import SearchChannel

# The benchmark's metering points: South Eastern (19), numbered 0..N-1, one meter each
# with the serial "B" + the number; about 18 points per synthetic postcode.
DISTRIBUTOR = "19"
STAGE = "bench_bulk_stage"


def _serial(number: int) -> str:
    return f"B{number:08d}"


def _postcode(number: int) -> str:
    block = number // 18
    letters = chr(65 + block // 10 % 26) + chr(65 + block // 260 % 26)
    return f"ZZ{block // 4000 % 90 + 10} {block % 10}{letters}"


class Command(BaseCommand):
    help = (
        "Benchmark (not a test): make sure the registry holds --points synthetic metering "
        "points (COPY), then run a bulk search of --rows values (about 95 % found, 5 % not "
        "found, 0.1 % invalid) end to end: check and store the list, queue the task, run it "
        "(in a Celery worker when a broker is configured, else in this process) and write "
        "the result into the report archive. Prints the times."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--points", type=int, default=1_000_000)
        parser.add_argument("--kind", choices=["mpan", "serial"], default="mpan")
        parser.add_argument("--seed", type=int, default=8)

    def handle(self, *args, rows, points, kind, seed, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "The benchmark writes synthetic metering points; never in production."
            )
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (set DATABASE_URL).")
        self._points_ensure(points)
        values = self._values(rows=rows, points=points, kind=kind, seed=seed)
        data = ("\n".join(values) + "\n").encode()
        organisation, _ = Organisation.objects.get_or_create(
            mpid="BNCH", defaults={"name": "Benchmark supplier"}
        )
        user, _ = User.objects.get_or_create(
            email="bench@bnch.example", defaults={"organisation": organisation}
        )
        # The benchmark is not held to the daily caps.
        settings.BULK_SEARCH_DAILY_POINTS = settings.SEARCH_DAILY_CAP = 10**9
        settings.SEARCH_ORGANISATION_DAILY_CAP = 10**9
        settings.BULK_SEARCH_MAX_ROWS = max(settings.BULK_SEARCH_MAX_ROWS, rows)
        where = "in-process (eager)" if settings.CELERY_TASK_ALWAYS_EAGER else "a Celery worker"
        self.stdout.write(
            f"bulk search of {rows:,} {kind} values ({len(data) / 2**20:.1f} MB) over "
            f"{MeteringPoint.objects.count():,} metering points, run by {where} ..."
        )

        started = time.monotonic()
        job = bulk_search_submit(
            organisation=organisation,
            kind=kind,
            channel=SearchChannel.WEB,
            data=data,
            source_name="bench.csv",
            user=user,
        )
        submitted = time.monotonic()
        while True:
            job.refresh_from_db()
            if job.status not in (BulkSearchStatus.QUEUED, BulkSearchStatus.RUNNING):
                break
            if time.monotonic() - started > 600:
                raise CommandError(f"bulk search {job.pk} did not finish within 10 minutes")
            time.sleep(0.05)
        finished = time.monotonic()
        if job.status != BulkSearchStatus.DONE:
            raise CommandError(f"bulk search {job.pk} ended {job.status}: {job.failure_reason}")
        run = (job.finished_at - job.started_at).total_seconds()
        total = finished - started
        self.stdout.write(
            f"bulk search {job.pk}: {job.total_rows:,} rows searched, {job.matched:,} found, "
            f"{job.bad_row_count:,} invalid; result: {job.result.row_count:,} rows, "
            f"{job.result.size / 2**20:.1f} MB\n"
            f"  check + store the list: {self._check_seconds(job, started):.1f} s; "
            f"queue wait: {(job.started_at - job.created_at).total_seconds():.1f} s; "
            f"run (lookups + result into the archive): {run:.1f} s; "
            f"submit call returned after {submitted - started:.1f} s\n"
            f"  end to end: {total:.1f} s = {rows / total:,.0f} rows/s"
        )

    def _check_seconds(self, job: BulkSearch, started: float) -> float:
        # created_at is stamped when the job row is made, after the list was checked/stored.
        elapsed_since = (timezone.now() - job.created_at).total_seconds()
        return max(0.0, (time.monotonic() - started) - elapsed_since)

    def _points_ensure(self, points: int) -> None:
        have = MeteringPoint.objects.filter(distributor_id=DISTRIBUTOR).count()
        if have >= points:
            return
        self.stdout.write(f"loading {points - have:,} synthetic metering points by COPY ...")
        started = time.monotonic()
        point_fields = list(MeteringPoint._meta.concrete_fields)
        names = ", ".join(f.column for f in point_fields)
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (LIKE registry_meteringpoint INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            with cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
                for number in range(points):
                    copy.write_row(self._point_row(point_fields, number, now))
            # Column names come from the model, the table name is a constant.
            cursor.execute(
                f"INSERT INTO registry_meteringpoint ({names}) SELECT {names} FROM {STAGE} "  # noqa: S608
                "ON CONFLICT (mpan_core) DO NOTHING"
            )
            inserted = cursor.rowcount
            # One meter per point, serial "B" + the point's 8-digit number (see _serial).
            serial = "'B' || lpad(substr(s.mpan_core, 3, 10)::bigint::text, 8, '0')"
            cursor.execute(
                "INSERT INTO registry_meter"  # noqa: S608
                " (metering_point_id, serial, serial_key, meter_type, map_mpid)"
                f" SELECT s.mpan_core, {serial}, {serial}, 'N', '' FROM {STAGE} s"
                " WHERE NOT EXISTS"
                " (SELECT 1 FROM registry_meter m WHERE m.metering_point_id = s.mpan_core)"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_meteringpoint")
            cursor.execute("ANALYZE registry_meter")
        self.stdout.write(
            f"  {inserted:,} points inserted in {time.monotonic() - started:.0f} s "
            f"({Meter.objects.count():,} meters in the registry)"
        )

    @staticmethod
    def _point_row(fields, number: int, now) -> tuple:
        postcode = _postcode(number)
        line_1 = f"{number % 18 + 1} Bench Street"
        values = {
            "mpan_core": mpan_core(DISTRIBUTOR, number),
            "updated_at": now,
            "distributor_id": DISTRIBUTOR,
            "gsp_group": "_J",
            "supplier_mpid": "NLEN",
            "energisation_status": "E",
            "profile_class": "01",
            "measurement_class": "A",
            "has_related_mpans": False,
            "postcode": postcode,
            "postcode_key": postcode_key(postcode),
            "address_line_1": line_1,
            "address_line_2": "Benchtown",
            "address_sort_key": address_sort_key([line_1, "Benchtown"]),
        }
        return tuple(values.get(f.attname, None if f.null else "") for f in fields)

    @staticmethod
    def _values(*, rows: int, points: int, kind: str, seed: int) -> list[str]:
        rng = random.Random(seed)  # noqa: S311
        numbers = rng.sample(range(points), min(rows, points))
        values = []
        for index, number in enumerate(numbers[:rows]):
            if index % 1000 == 999:
                values.append("not-a-value!")  # invalid
            elif index % 20 == 19:
                number += points + 10_000_000  # valid, but not in the registry
                values.append(mpan_core(DISTRIBUTOR, number) if kind == "mpan" else _serial(number))
            else:
                values.append(mpan_core(DISTRIBUTOR, number) if kind == "mpan" else _serial(number))
        return values
