import csv
import dataclasses
import gzip
import hashlib
import io
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from core.csvfile import csv_cell
from dtc import FLOWS, read_flow
from extracts import writers
from extracts.kinds import PORTFOLIO_HEADER
from reports.services import DigestingWriter
from tests.conftest import missing_part
from tests.factories import MeterFactory, MeteringPointFactory, OrganisationFactory, mpan_core_for


def _portfolio(organisation) -> tuple[int, list[list[str]], bytes]:
    spool = io.BytesIO()
    out = DigestingWriter(spool)
    rows = writers.portfolio_write(organisation, out)
    data = spool.getvalue()
    assert hashlib.sha256(data).hexdigest() == out.digest.hexdigest()
    assert out.size == len(data)
    text = gzip.decompress(data).decode("utf-8")
    return rows, list(csv.reader(io.StringIO(text))), data


@pytest.fixture
def lond(db):
    return OrganisationFactory(mpid="LOND", name="London Power Networks", role_codes="R")


@pytest.fixture
def held_points(db):
    """One point per role NLEN may hold, one point in another area held by nobody."""
    return {
        "supplier": MeteringPointFactory(
            distributor_id="10",
            gsp_group="_A",
            mpan_core=mpan_core_for(1, "10"),
            supplier_mpid="NLEN",
        ),
        "mop": MeteringPointFactory(
            distributor_id="10",
            gsp_group="_A",
            mpan_core=mpan_core_for(2, "10"),
            supplier_mpid="OTHR",
            mop_mpid="NLEN",
        ),
        "dc": MeteringPointFactory(
            distributor_id="10",
            gsp_group="_A",
            mpan_core=mpan_core_for(3, "10"),
            supplier_mpid="OTHR",
            dc_mpid="NLEN",
        ),
        "da": MeteringPointFactory(
            distributor_id="10",
            gsp_group="_A",
            mpan_core=mpan_core_for(4, "10"),
            supplier_mpid="OTHR",
            da_mpid="NLEN",
        ),
        "london": MeteringPointFactory(mpan_core=mpan_core_for(5, "12"), supplier_mpid="OTHR"),
        "nobody": MeteringPointFactory(
            distributor_id="10",
            gsp_group="_A",
            mpan_core=mpan_core_for(6, "10"),
            supplier_mpid="OTHR",
        ),
    }


def test_a_portfolio_holds_every_point_where_the_organisation_holds_a_role_and_no_other(
    held_points, lond
):
    nlen = OrganisationFactory(mpid="NLEN", role_codes="X")

    rows, lines, _ = _portfolio(nlen)

    assert lines[0] == list(PORTFOLIO_HEADER)
    cores = [line[0] for line in lines[1:]]
    assert cores == sorted(held_points[k].mpan_core for k in ("supplier", "mop", "dc", "da"))
    assert rows == 4
    # The distributor gets the points of its area (12 is London), whoever supplies them.
    rows, lines, _ = _portfolio(lond)
    assert [line[0] for line in lines[1:]] == [held_points["london"].mpan_core]


def test_a_portfolio_row_has_the_meters_newest_first_and_escapes_formulas(db):
    nlen = OrganisationFactory(mpid="NLEN", role_codes="X")
    point = MeteringPointFactory(address_line_1="=HYPERLINK(1)", address_line_2="London")
    MeterFactory(
        metering_point=point,
        serial="OLD1",
        installation_date=date(2010, 1, 2),
        removal_date=date(2019, 6, 1),
        map_mpid="MAPX",
    )
    MeterFactory(
        metering_point=point, serial="NEW1", installation_date=date(2019, 6, 1), meter_type="S2A"
    )

    _, lines, _ = _portfolio(nlen)

    row = dict(zip(PORTFOLIO_HEADER, lines[1], strict=True))
    assert row["Address"] == "'=HYPERLINK(1), London"
    assert row["Meter serials"] == "NEW1, OLD1 (removed)"
    assert row["Meters"] == "NEW1:S2A:2019-06-01::; OLD1:N:2010-01-02:2019-06-01:MAPX"
    assert row["Supplier"] == "NLEN"


def test_the_copy_path_writes_exactly_what_the_reference_path_writes(held_points, lond):
    if connection.vendor != "postgresql":
        missing_part("the COPY path needs PostgreSQL (DATABASE_URL)")
    for point in held_points.values():
        MeterFactory(metering_point=point, serial="-1 SERIAL", installation_date=date(2020, 1, 1))
        MeterFactory(metering_point=point, installation_date=None)
    # A number is left as it is by both paths; text starting like a formula is escaped.
    held_points["supplier"].address_line_1 = "+44"
    held_points["supplier"].address_line_2 = ""
    held_points["supplier"].save()
    held_points["mop"].address_line_1 = "@SUM(A1)"
    held_points["mop"].save()
    for organisation in (OrganisationFactory(mpid="NLEN", role_codes="X"), lond):
        _, copied, _ = _portfolio(organisation)
        reference = [list(PORTFOLIO_HEADER)] + [
            [csv_cell(value) for value in row] for row in writers._portfolio_rows_orm(organisation)
        ]
        assert copied == reference
        assert len(copied) > 1


def test_meter_technical_details_are_a_d0312_file_of_the_mops_points_only(db):
    mop = OrganisationFactory(mpid="MTRW", role_codes="M")
    mine = MeteringPointFactory(mop_mpid="MTRW")
    MeterFactory(metering_point=mine, serial="A1", installation_date=date(2019, 6, 27))
    MeterFactory(metering_point=mine, serial="B2", map_mpid="MAPX")
    MeterFactory(metering_point=MeteringPointFactory(mop_mpid="OTHM"), serial="C3")
    MeteringPointFactory(mop_mpid="MTRW")  # no meters: nothing to send for it

    spool = io.BytesIO()
    points = writers.meter_technical_details_write(
        mop,
        DigestingWriter(spool),
        file_id="MT00000001",
        created=datetime(2019, 6, 28, 9, 0, tzinfo=UTC),
    )

    # The reader accepts D0312 from MOPs only; this one comes from the service (Z).
    from_service = {"D0312": dataclasses.replace(FLOWS["D0312"], sender_role="Z")}
    flow = read_flow(io.BytesIO(spool.getvalue()), flows=from_service)
    instances = list(flow)
    assert points == 1
    assert (flow.header.flow_id, flow.header.to_mpid, flow.header.from_role) == (
        "D0312",
        "MTRW",
        "Z",
    )
    assert flow.trailer.flow_count == 1
    assert [i.items["mpan_core"] for i in instances] == [mine.mpan_core]
    assert [c.items["meter_serial"] for c in instances[0].children] == ["A1", "B2"]
    assert instances[0].children[1].items["map_mpid"] == "MAPX"
