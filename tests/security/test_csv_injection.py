"""Every CSV the portal writes escapes cells a spreadsheet would run (issue 14, item 11).

A hostile flow sender plants a formula in registry data (an address line, a meter
serial); whoever downloads it in any CSV channel gets it as text.
"""

import csv
import io
import re
from pathlib import Path

import pytest

from accounts.roles import MarketRole
from bench.generate import meter_information_write
from bulk.services import bulk_search_run, bulk_search_submit
from core.csvfile import FORMULA_STARTS
from registry.models import FlowFileChannel, FlowFileStatus
from registry.services import flow_file_process, flow_file_receive
from reports.kinds import ReportKind
from reports.models import Report
from reports.services import report_create
from search.models import SearchChannel
from tests.factories import MeteringPointFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE_ADDRESS = '=HYPERLINK("http://ev.il/","Go")'  # an address line holds 40
HOSTILE_SERIAL = "=2+5"  # a D0312 serial holds at most 10 characters
ROOT = Path(__file__).resolve().parents[2]


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def report_rows(report: Report) -> list[list[str]]:
    with report.file.open("rb") as stream:
        return rows_of(stream.read())


def assert_inert(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


@pytest.fixture
def hostile_point(db):
    return MeteringPointFactory(
        address_line_1=HOSTILE_ADDRESS, address_line_2="", postcode="E1 6AN"
    )


def test_the_search_export_escapes_a_hostile_address(client, member, hostile_point):
    client.force_login(member)
    response = client.get("/search/export.csv", {"q": "E1 6AN"})
    rows = rows_of(b"".join(response.streaming_content))
    assert rows[1][1] == "'" + HOSTILE_ADDRESS
    assert_inert(rows)


def test_a_bulk_search_result_escapes_a_hostile_address_and_a_hostile_input(
    member, hostile_point, media_root
):
    job = bulk_search_submit(
        organisation=member.organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=f"{hostile_point.mpan_core}\n@SUM(1+1)\n",
        user=member,
    )
    job = bulk_search_run(bulk_search_id=job.pk)
    rows = report_rows(job.result)
    assert "'" + HOSTILE_ADDRESS in rows[1]
    assert rows[2][1] == "'@SUM(1+1)"
    assert_inert(rows)


def test_a_report_made_by_report_create_escapes_its_cells(organisation, media_root):
    report = report_create(
        organisation=organisation,
        kind=ReportKind.BULK_SEARCH,
        title="Anything",
        rows_header=["Address", "Reading"],
        rows=[(HOSTILE_ADDRESS, -3), ("\t=1+1", "-3")],
    )
    rows = report_rows(report)
    assert rows[1:] == [["'" + HOSTILE_ADDRESS, "-3"], ["'\t=1+1", "-3"]]


def test_the_d0312_processing_report_escapes_a_hostile_serial(media_root):
    mop = OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)
    UserFactory(organisation=mop)
    point = MeteringPointFactory(mop_mpid="MTRW")
    out = io.StringIO()
    meter_information_write(out, mop_mpid="MTRW", cores=[point.mpan_core])
    # Every P02 line gets the hostile serial in its first field.
    text = re.sub(r"^P02\|[^|]*\|", f"P02|{HOSTILE_SERIAL}|", out.getvalue(), flags=re.M)
    flow_file = flow_file_receive(
        content=io.BytesIO(text.encode()),
        original_name="MTRW0001.D0312",
        channel=FlowFileChannel.COMMAND,
        sender=mop,
        queue=False,
    )
    flow_file = flow_file_process(flow_file_id=flow_file.pk)
    assert flow_file.status == FlowFileStatus.APPLIED, flow_file.errors
    rows = report_rows(Report.objects.get(kind=ReportKind.D0312_PROCESSING))
    assert [row[1] for row in rows[1:]] == ["'" + HOSTILE_SERIAL] * (len(rows) - 1)
    assert_inert(rows)


def test_no_module_writes_csv_but_the_one_writer():
    """A new CSV channel must go through ecoes/csvfile.py (or core/csvfile.py)."""
    writers = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "node_modules", "var"} or path.name == "csvfile.py":
            continue
        if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            writers.append(str(path.relative_to(ROOT)))
    assert writers == []
