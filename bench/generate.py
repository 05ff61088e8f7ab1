"""Synthetic but realistic flow files, for demos, tests and benchmarks.

Metering points get valid MPAN cores for their distributor, the distributor's GSP
group, distinct postcodes of the distributor's areas with Faker en_GB streets and
towns, about 18 points per postcode (a few postcodes hold a thousand or more, like big
blocks of flats), meters whose serials sometimes carry spaces, and smart-meter fields.
Everything is streamed: a file of millions of points is written without holding it in
memory. The same seed gives the same files.
"""

import itertools
import multiprocessing
import os
import random  # synthetic data, seeded for repeatability: not for secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from faker import Faker

from dtc import Instance, write_flow
from dtc.codes import DISTRIBUTORS
from dtc.mpan import check_digit

# The receiving side of every generated file: the enquiry service's MPID.
SERVICE_MPID = "ECOE"
SUPPLIERS = ["NLEN", "BGAS", "EDFE", "OVOE", "OCTO", "EONU"]
METER_OPERATORS = ["MTRW", "UKMO", "SIEM", "LENG"]
DATA_COLLECTORS = ["UDMS", "SMRT", "IMSV"]
DATA_AGGREGATORS = ["UDMS", "PODA"]
AVERAGE_POINTS_PER_POSTCODE = 18
# The postcode areas (the outward code's letters) of each distributor's region, so a
# generated point's postcode is in its distributor's part of the country.
POSTCODE_AREAS = {
    "10": ("CB", "CO", "IP", "NR", "CM", "SG", "LU", "PE"),
    "11": ("NG", "DE", "LE", "NN", "LN"),
    "12": ("E", "N", "SE", "SW", "W", "EC", "WC", "NW"),
    "13": ("L", "CH", "LL", "WA"),
    "14": ("B", "CV", "WV", "WS", "DY", "ST"),
    "15": ("NE", "SR", "DH", "TS", "DL"),
    "16": ("M", "BL", "OL", "PR", "BB", "WN", "LA"),
    "17": ("AB", "IV", "DD", "PH", "KW"),
    "18": ("G", "EH", "KA", "ML", "PA", "FK", "KY"),
    "19": ("BN", "CT", "ME", "TN", "RH", "GU"),
    "20": ("SO", "PO", "RG", "OX", "SP", "BH"),
    "21": ("CF", "SA", "NP", "LD"),
    "22": ("BS", "EX", "PL", "TQ", "TR", "BA", "TA"),
    "23": ("LS", "BD", "HX", "HD", "S", "YO", "HU", "WF"),
}
# The letters a postcode's unit (the last two characters) is made of.
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class Sample:
    """Points remembered while generating, to build D0312 and D0386 samples from."""

    by_mop: dict[str, list[str]] = field(default_factory=dict)
    cores: list[str] = field(default_factory=list)
    keep: int = 200

    def note(self, core: str, mop: str) -> None:
        cores = self.by_mop.setdefault(mop, [])
        if len(cores) < self.keep:
            cores.append(core)
        if len(self.cores) < self.keep:
            self.cores.append(core)


def mpan_core(distributor_id: str, number: int) -> str:
    first12 = f"{distributor_id}{number:010d}"
    return f"{first12}{check_digit(first12)}"


# The last day a generated date may fall on: fixed and in the past, so that the same
# seed makes the same files whatever today is, and no meter is "installed" in the future.
LAST_GENERATED_DAY = date(2025, 6, 30)


def _day(rng: random.Random, start_year: int = 2005) -> date:
    first = date(start_year, 1, 1)
    return first + timedelta(days=rng.randrange(0, (LAST_GENERATED_DAY - first).days + 1))


def _serial(rng: random.Random, smart: bool) -> str:
    prefix = rng.choice(["E10", "E12", "K", "S", "D", "L"]) if not smart else "Z"
    digits = f"{rng.randrange(10**6):06d}"
    serial = f"{prefix}{digits}"
    # The market holds the same serial in spacing and case variants; so do we.
    if rng.random() < 0.1:
        serial = f"{prefix} {digits}" if rng.random() < 0.5 else f"{prefix.lower()}{digits}"
    return serial[:10]


def _meters(rng: random.Random, *, smart: str, installed: date, group_id: str) -> list[Instance]:
    meter_type = {"SMETS2": rng.choice(["S2A", "S2AD", "S2ADE"]), "SMETS1": "S1"}.get(
        smart, rng.choice(["N", "N", "K", "T", "H"])
    )
    meters = [
        Instance(
            group_id,
            items={
                "meter_serial": _serial(rng, bool(smart)),
                "meter_type": meter_type,
                "installation_date": installed,
                "removal_date": None,
                "map_mpid": rng.choice(["MAPA", "MAPB", None]),
            },
        )
    ]
    if rng.random() < 0.15:  # an exchanged meter, end-dated
        meters.append(
            Instance(
                group_id,
                items={
                    "meter_serial": _serial(rng, False),
                    "meter_type": "N",
                    "installation_date": installed - timedelta(days=rng.randrange(400, 4000)),
                    "removal_date": installed,
                    "map_mpid": None,
                },
            )
        )
    return meters


def _postcode_sizes(rng: random.Random) -> Iterator[int]:
    """About 18 points per postcode on average, now and then a very large one."""
    while True:
        if rng.random() < 0.0008:
            size = rng.randrange(800, 2500)
            # One in about 35 large ones is a very large one (several thousand points).
            yield rng.randrange(3000, 8000) if size >= 2450 else size
        else:
            yield rng.randrange(1, 33)


class _Postcodes:
    """Distinct, well-formed postcodes of one distributor's areas, in a random order:
    about 4,000 units per district and 39 districts per area, so even London's share
    of 32 million points draws from several times the postcodes it needs."""

    def __init__(self, rng: random.Random, distributor_id: str) -> None:
        self.rng = rng
        self.areas = POSTCODE_AREAS.get(distributor_id, ("ZE", "HS"))
        self.seen: set[str] = set()

    def __next__(self) -> str:
        rng = self.rng
        while True:
            postcode = (
                f"{rng.choice(self.areas)}{rng.randrange(1, 40)} {rng.randrange(10)}"
                f"{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
            )
            if postcode not in self.seen:
                self.seen.add(postcode)
                return postcode


def metering_points(
    count: int, *, distributor_id: str, seed: int = 2019, sample: Sample | None = None
) -> Iterator[Instance]:
    """`count` R02 instances (with R03 address and R04 meters) for one distributor."""
    rng = random.Random(f"{seed}-{distributor_id}")
    fake = Faker("en_GB")
    fake.seed_instance(f"{seed}-{distributor_id}")
    gsp_group = DISTRIBUTORS[distributor_id].gsp_group if distributor_id in DISTRIBUTORS else "_A"
    number = rng.randrange(10**8)
    sizes = _postcode_sizes(rng)
    postcodes = _Postcodes(rng, distributor_id)
    made = 0
    while made < count:
        postcode, street, town = next(postcodes), fake.street_name(), fake.city()
        size = min(next(sizes), count - made)
        flats = size > 60
        building = f"{fake.last_name()} House" if flats else ""
        for index in range(1, size + 1):
            number += rng.randrange(1, 50)
            core = mpan_core(distributor_id, number)
            if flats:
                lines = [f"Flat {index}", building, f"1 {street}", town]
            else:
                lines = [f"{index * 2 - rng.randrange(2)} {street}", town]
            smart = rng.choices(["SMETS2", "SMETS1", ""], [50, 15, 35])[0]
            domestic = rng.random() < 0.9
            installed = _day(rng, 2012)
            mop = rng.choice(METER_OPERATORS)
            if sample is not None:
                sample.note(core, mop)
            point = Instance(
                "R02",
                items={
                    "mpan_core": core,
                    "gsp_group": gsp_group,
                    "gsp_group_date": date(1998, 9, 1),
                    "supplier_mpid": rng.choice(SUPPLIERS),
                    "supplier_date": _day(rng),
                    "energisation_status": "E" if rng.random() < 0.97 else "D",
                    "energisation_date": _day(rng, 1998),
                    "profile_class": rng.choice(["01", "02"]) if domestic else "03",
                    "measurement_class": "A",
                    "mtc": rng.choice(["801", "845", "811"]),
                    "mtc_date": installed,
                    "llfc": f"{rng.randrange(1, 999):03d}",
                    "llfc_date": _day(rng),
                    "ssc": rng.choice(["0393", "0151", "0402"]),
                    "ssc_date": installed,
                    "domestic_premises": "Y" if domestic else "N",
                    "uprn": str(rng.randrange(10**7, 10**11)),
                    "mop_mpid": mop,
                    "mop_date": installed,
                    "dc_mpid": rng.choice(DATA_COLLECTORS),
                    "dc_date": installed,
                    "da_mpid": rng.choice(DATA_AGGREGATORS),
                    "da_date": installed,
                    "smets_version": smart or None,
                    "dcc_service_flag": ("Y" if smart == "SMETS2" else "N") if smart else None,
                    "ihd_status": rng.choice(["I", "D", "E"]) if smart else None,
                },
                children=[
                    Instance(
                        "R03",
                        items={
                            **{f"address_line_{n}": None for n in range(1, 10)},
                            **{f"address_line_{n}": line for n, line in enumerate(lines, 1)},
                            "postcode": postcode,
                        },
                    ),
                    *_meters(rng, smart=smart, installed=installed, group_id="R04"),
                ],
            )
            yield point
            made += 1


def refresh_write(
    out: TextIO,
    *,
    points: Iterator[Instance],
    distributor_id: str,
    refresh_type: str = "F",
    file_id: str = "RF000001",
    created: datetime | None = None,
) -> None:
    """A D0204 refresh from the distributor's MPAS to the enquiry service."""

    def instances() -> Iterator[Instance]:
        yield Instance(
            "R01", items={"refresh_type": refresh_type, "distributor_id": distributor_id}
        )
        yield from points

    write_flow(
        out,
        flow_id="D0204",
        version="002",
        file_id=file_id,
        from_role="R",
        from_mpid=DISTRIBUTORS[distributor_id].mpid if distributor_id in DISTRIBUTORS else "IDNO",
        to_role="Z",
        to_mpid=SERVICE_MPID,
        created=created or datetime.now(UTC).replace(microsecond=0),
        instances=instances(),
    )


def meter_information_write(
    out: TextIO,
    *,
    mop_mpid: str,
    cores: list[str],
    seed: int = 2019,
    file_id: str = "MI000001",
    created: datetime | None = None,
) -> None:
    """A D0312 from a MOP: a new meter for each of these points."""
    rng = random.Random(seed)
    write_flow(
        out,
        flow_id="D0312",
        version="002",
        file_id=file_id,
        from_role="M",
        from_mpid=mop_mpid,
        to_role="Z",
        to_mpid=SERVICE_MPID,
        created=created or datetime.now(UTC).replace(microsecond=0),
        instances=(
            Instance(
                "P01",
                items={"mpan_core": core},
                children=_meters(rng, smart="SMETS2", installed=_day(rng, 2020), group_id="P02"),
            )
            for core in cores
        ),
    )


def relationships_write(
    out: TextIO,
    *,
    distributor_mpid: str,
    pairs: list[tuple[str, str]],
    file_id: str = "RL000001",
    created: datetime | None = None,
) -> None:
    """A D0386 adding a relationship between each pair (e.g. import and export)."""
    write_flow(
        out,
        flow_id="D0386",
        version="001",
        file_id=file_id,
        from_role="R",
        from_mpid=distributor_mpid,
        to_role="Z",
        to_mpid=SERVICE_MPID,
        created=created or datetime.now(UTC).replace(microsecond=0),
        instances=(
            Instance(
                "L01",
                items={
                    "primary_mpan_core": primary,
                    "related_mpan_core": related,
                    "action": "A",
                    "effective_date": date(2019, 6, 29),
                },
            )
            for primary, related in pairs
        ),
    )


def flow_files_generate(
    *,
    count: int,
    out: Path,
    distributor: str | None = None,
    seed: int = 2019,
    extra_points: list[Instance] = (),
) -> list[Path]:
    """A D0204 full refresh per distributor (all DNO areas unless one is named), a D0312
    per meter operator for some of its points, and a D0386 linking pairs of points.
    `extra_points` (fixed points, e.g. the demo's examples) end the first refresh."""
    out.mkdir(parents=True, exist_ok=True)
    distributors = [distributor] if distributor else list(DISTRIBUTORS)
    share, extra = divmod(count, len(distributors))
    sample, written = Sample(), []
    for index, distributor_id in enumerate(distributors):
        points = share + (1 if index < extra else 0)
        if not points:
            continue
        path = out / f"D0204_{distributor_id}_full.txt"
        with path.open("w", encoding="ascii", newline="") as handle:
            refresh_write(
                handle,
                points=itertools.chain(
                    metering_points(
                        points, distributor_id=distributor_id, seed=seed, sample=sample
                    ),
                    extra_points if index == 0 else (),
                ),
                distributor_id=distributor_id,
                file_id=f"RF{seed % 10000:04d}{distributor_id}",
            )
        written.append(path)
    for mop, cores in sorted(sample.by_mop.items()):
        path = out / f"D0312_{mop}.txt"
        with path.open("w", encoding="ascii", newline="") as handle:
            meter_information_write(handle, mop_mpid=mop, cores=cores[:50], seed=seed)
        written.append(path)
    first = distributors[0]
    cores = [core for core in sample.cores if core.startswith(first)][:40]
    path = out / f"D0386_{first}.txt"
    with path.open("w", encoding="ascii", newline="") as handle:
        relationships_write(
            handle,
            distributor_mpid=DISTRIBUTORS[first].mpid,
            pairs=list(zip(cores[0::2], cores[1::2], strict=False)),
        )
    written.append(path)
    return written


def _refresh_file_write(task: tuple[str, int, Path, int]) -> Path:
    distributor_id, points, path, seed = task
    with path.open("w", encoding="ascii", newline="") as handle:
        refresh_write(
            handle,
            points=metering_points(points, distributor_id=distributor_id, seed=seed),
            distributor_id=distributor_id,
            file_id=f"RF{seed % 10000:04d}{distributor_id}",
        )
    return path


def refresh_files_generate(
    *, count: int, out: Path, seed: int = 2019, processes: int | None = None
) -> list[Path]:
    """A D0204 full refresh per DNO area, `count` points in all, written by several
    processes at once (one file each): the large data sets of the scale benchmark."""
    out.mkdir(parents=True, exist_ok=True)
    distributors = list(DISTRIBUTORS)
    share, extra = divmod(count, len(distributors))
    tasks = [
        (
            distributor_id,
            share + (1 if index < extra else 0),
            out / f"D0204_{distributor_id}.txt",
            seed,
        )
        for index, distributor_id in enumerate(distributors)
    ]
    tasks = [task for task in tasks if task[1]]
    # The biggest first, so the processes finish together.
    tasks.sort(key=lambda task: -task[1])
    with multiprocessing.get_context("fork").Pool(processes or os.cpu_count() or 1) as pool:
        written = pool.map(_refresh_file_write, tasks, chunksize=1)
    return sorted(written)
