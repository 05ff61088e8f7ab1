"""Fixed demo metering points: the examples the search page, the README and the user
guide show, and one postcode large enough to page through. They go into the demo
distributor's D0204 refresh with the generated points, so they take the real ingest path.
"""

from datetime import date

from dtc import Instance
from dtc.mpan import check_digit

EXAMPLE_MPAN_CORE = "1200021679840"
EXAMPLE_FULL_MPAN = "S 01 801 100 1200 0216 7984 0"
EXAMPLE_POSTCODE_WITH_BUILDING = "10 SW1A 1AA"
EXAMPLE_ADDRESS = "Flat 3, 12 High Street, London"
EXAMPLE_UPRN = "UPRN 100023336956"
EXAMPLE_SERIAL = "S95A 12345"
# Every example the search page, README.md and docs/user-guide.md give.
SEARCH_EXAMPLES = [
    EXAMPLE_MPAN_CORE,
    "12 0002 1679 840",
    EXAMPLE_FULL_MPAN,
    "sw1a1aa",
    EXAMPLE_POSTCODE_WITH_BUILDING,
    EXAMPLE_ADDRESS,
    "Flat 3, 12 High Street, N1 9GU",
    EXAMPLE_UPRN,
    EXAMPLE_SERIAL,
    "s95a-1234 5",
    "E13 0BZ",
]
# The postcode to page through: more than two pages of 50.
LARGE_POSTCODE = "E14 5AB"
LARGE_POSTCODE_POINTS = 130


def _point(
    core: str, lines: list[str], postcode: str, *, uprn: str | None = None, serial: str
) -> Instance:
    installed = date(2019, 6, 29)
    return Instance(
        "R02",
        items={
            "mpan_core": core,
            "gsp_group": "_C",
            "gsp_group_date": date(1998, 9, 1),
            "supplier_mpid": "NLEN",
            "supplier_date": date(2016, 4, 1),
            "energisation_status": "E",
            "energisation_date": date(1998, 9, 1),
            "profile_class": "01",
            "measurement_class": "A",
            "mtc": "801",
            "mtc_date": installed,
            "llfc": "100",
            "llfc_date": installed,
            "ssc": "0393",
            "ssc_date": installed,
            "domestic_premises": "Y",
            "uprn": uprn,
            "mop_mpid": "MTRW",
            "mop_date": installed,
            "dc_mpid": "UDMS",
            "dc_date": installed,
            "da_mpid": "UDMS",
            "da_date": installed,
            "smets_version": None,
            "dcc_service_flag": None,
            "ihd_status": None,
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
            Instance(
                "R04",
                items={
                    "meter_serial": serial,
                    "meter_type": "N",
                    "installation_date": installed,
                    "removal_date": None,
                    "map_mpid": None,
                },
            ),
        ],
    )


def _core(number: int) -> str:
    first12 = f"12{number:010d}"
    return f"{first12}{check_digit(first12)}"


def demo_example_points() -> list[Instance]:
    """The fixed points (London, distributor 12); their MPAN cores are far above the
    generated ones, so they never clash."""
    points = [
        _point(
            EXAMPLE_MPAN_CORE,
            ["10 The Mall", "London"],
            "SW1A 1AA",
            uprn="100023336956",
            serial=EXAMPLE_SERIAL,
        ),
        _point(
            _core(21679985), ["Flat 3", "12 High Street", "London"], "N1 9GU", serial="HS000001"
        ),
        _point(_core(21679990), ["12 Mill Lane", "London"], "E13 0BZ", serial="ML000001"),
    ]
    for flat in range(1, LARGE_POSTCODE_POINTS + 1):
        points.append(
            _point(
                _core(9_000_000_000 + flat),
                [f"Flat {flat}", "Dock House", "1 Quay Street", "London"],
                LARGE_POSTCODE,
                serial=f"DH{flat:06d}",
            )
        )
    return points
