"""Micro-benchmark of the parser (and writer) on a generated D0204 file. Not a test.

    python -m bench.dtc_lines --lines 1000000

Writes a full refresh of about ``--lines`` lines (an R02, an R03 and an R04 per metering
point) to a temporary file, parses it, and prints lines per second, metering points per
second and the peak memory of the parse.
"""

import argparse
import os
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from dtc import codes, read_flow, write_flow
from dtc.mpan import check_digit
from dtc.parser import Instance

_METER_TYPES = sorted(codes.METER_TYPES)
_STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue"]


def refresh_instances(points: int, *, distributor_id: str = "12", seed: int = 1):
    """A D0204 full refresh of ``points`` metering points, as the reader yields them."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    gsp_group = codes.DISTRIBUTORS[distributor_id].gsp_group
    start = date(2000, 1, 1)
    dates = [start + timedelta(days=n) for n in range(0, 7000, 7)]
    yield Instance("R01", items={"refresh_type": "F", "distributor_id": distributor_id})
    for n in range(points):
        first12 = f"{distributor_id}{n:010d}"
        core = f"{first12}{check_digit(first12)}"
        when = rng.choice(dates)
        point = Instance(
            "R02",
            items={
                "mpan_core": core,
                "gsp_group": gsp_group,
                "gsp_group_date": when,
                "supplier_mpid": "BGAS",
                "supplier_date": when,
                "energisation_status": "E",
                "energisation_date": when,
                "profile_class": "01",
                "measurement_class": "A",
                "mtc": "845",
                "mtc_date": when,
                "llfc": "A01",
                "llfc_date": when,
                "ssc": "0393",
                "ssc_date": when,
                "domestic_premises": "Y",
                "uprn": str(100000000 + n),
                "mop_mpid": "MOPA",
                "mop_date": when,
                "dc_mpid": "DCOL",
                "dc_date": when,
                "da_mpid": "DAGG",
                "da_date": when,
                "smets_version": "SMETS2",
                "dcc_service_flag": "Y",
                "ihd_status": "I",
            },
        )
        point.children.append(
            Instance(
                "R03",
                items={
                    "address_line_1": f"{n % 300 + 1} {rng.choice(_STREETS)}",
                    "address_line_4": "London",
                    "postcode": f"SW1A {n % 9}AA",
                },
            )
        )
        point.children.append(
            Instance(
                "R04",
                items={
                    "meter_serial": f"S{n:09d}",
                    "meter_type": rng.choice(_METER_TYPES),
                    "installation_date": when,
                },
            )
        )
        yield point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300_000, help="about this many lines")
    parser.add_argument("--repeat", type=int, default=3, help="parse this often; best counts")
    args = parser.parse_args()
    points = max(1, (args.lines - 1) // 3)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "d0204.dtc")
        began = time.process_time()
        with open(path, "w", encoding="latin-1", newline="") as out:
            trailer = write_flow(
                out,
                flow_id="D0204",
                version="002",
                file_id="BENCH1",
                from_role="R",
                from_mpid="LOND",
                to_role="Z",
                to_mpid="ECOE",
                created=datetime(2019, 6, 27, 18, tzinfo=UTC),
                instances=refresh_instances(points),
            )
        wrote = time.process_time() - began
        lines = trailer.group_count + 2
        size = os.path.getsize(path)
        print(
            f"wrote {lines:,} lines ({points:,} metering points, {size / 1e6:.0f} MB) "
            f"in {wrote:.1f} s CPU time: {lines / wrote:,.0f} lines/s"
        )

        # Wall time and CPU time: on a shared machine the CPU time is the steadier figure.
        best_wall = best_cpu = float("inf")
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            with open(path, "rb") as stream:
                reader = read_flow(stream)
                count = sum(1 for _ in reader)
            best_wall = min(best_wall, time.perf_counter() - wall)
            best_cpu = min(best_cpu, time.process_time() - cpu)
            assert reader.trailer is not None and count == points + 1
        for name, took in (("wall", best_wall), ("CPU", best_cpu)):
            print(
                f"parsed in {took:.2f} s {name} time: {lines / took:,.0f} lines/s, "
                f"{points / took:,.0f} metering points/s"
            )

        tracemalloc.start()
        with open(path, "rb") as stream:
            for _ in read_flow(stream):
                pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"parse peak Python memory (tracemalloc): {peak / 1024:,.0f} KiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
