import resource
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Organisation
from accounts.roles import MarketRole
from bench.generate import metering_points, refresh_write
from dtc.codes import DISTRIBUTORS
from registry.models import FlowFileChannel, FlowFileStatus, Meter, MeteringPoint
from registry.services import flow_file_process, flow_file_receive


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


class Command(BaseCommand):
    help = (
        "Benchmark (not a test): generate a D0204 full refresh of N metering points, then"
        " time receiving and applying it, first into an empty registry, then again as an"
        " unchanged refresh over the loaded points. Reports rows/second and peak RSS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metering-points", type=int, default=1_000_000, dest="count")
        parser.add_argument("--distributor", default="12")
        parser.add_argument("--work-dir", type=Path, default=None)

    def handle(self, *args, count, distributor, work_dir, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark empties the registry; never in production.")
        work_dir = work_dir or settings.VAR_DIR / "bench"
        work_dir.mkdir(parents=True, exist_ok=True)
        source = work_dir / f"D0204_{distributor}_{count}.txt"
        if not source.exists():
            self.stdout.write(f"generating {count:,} metering points into {source} ...")
            started = time.monotonic()
            with source.open("w", encoding="ascii", newline="") as handle:
                refresh_write(
                    handle,
                    points=metering_points(count, distributor_id=distributor),
                    distributor_id=distributor,
                )
            self.stdout.write(f"  generated in {time.monotonic() - started:.0f} s")
        size = source.stat().st_size
        sender, _ = Organisation.objects.get_or_create(
            mpid=DISTRIBUTORS[distributor].mpid,
            defaults={"name": "Benchmark distributor", "role_codes": MarketRole.DISTRIBUTOR},
        )
        self.stdout.write(
            f"database: {connection.vendor}; file: {size / 2**20:,.0f} MB;"
            f" peak RSS before: {_peak_rss_mb():,.0f} MB"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE registry_meter, registry_relatedmpan CASCADE")
                cursor.execute("TRUNCATE registry_meteringpoint CASCADE")
        Meter.objects.all().delete()
        MeteringPoint.objects.all().delete()
        for label, marker in (("initial load", "A"), ("unchanged refresh", "B")):
            # A different file id in the header makes a new checksum: the same points.
            self._run(label, source, marker, sender, count)

    def _run(self, label, source: Path, marker: str, sender, count: int) -> None:
        copy = source.with_name(f"{source.stem}-{marker}.txt")
        # A file id of its own for every run: a new checksum, the same points.
        run_id = f"B{int(time.time()) % 10**8:08d}{marker}"
        with source.open("rb") as original, copy.open("wb") as out:
            for line in original:
                if line.startswith((b"ZHV|", b"ZPT|")):
                    line = line.replace(b"|RF000001|", f"|{run_id}|".encode())
                out.write(line)
        started = time.monotonic()
        with copy.open("rb") as content:
            flow_file = flow_file_receive(
                content=content,
                original_name=copy.name,
                channel=FlowFileChannel.COMMAND,
                sender=sender,
                queue=False,
            )
        received, cpu = time.monotonic(), _cpu_seconds()
        child_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
        flow_file = flow_file_process(flow_file_id=flow_file.pk)
        finished, cpu = time.monotonic(), _cpu_seconds() - cpu
        child_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - child_cpu
        if flow_file.status != FlowFileStatus.APPLIED:
            raise CommandError(f"{label}: the file was rejected: {flow_file.errors}")
        total = finished - started
        self.stdout.write(
            f"{label}: {count:,} metering points in {total:.1f} s end to end"
            f" = {count / total:,.0f} points/s (receive {received - started:.1f} s,"
            f" parse + stage + merge {finished - received:.1f} s"
            f" = {count / (finished - received):,.0f} points/s; Python CPU {cpu:.1f} s,"
            f" parsing process CPU {child_cpu:.1f} s);"
            f" {MeteringPoint.objects.count():,} points, {Meter.objects.count():,} meters;"
            f" peak RSS {_peak_rss_mb():,.0f} MB,"
            f" parsing process {_peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB"
        )
