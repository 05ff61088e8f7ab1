"""A D0312 file's processing report, and the D0312 retirement (issue: reports, item 3)."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from registry.models import FlowFileStatus, Meter, MeteringPoint
from reports.kinds import ReportKind
from reports.models import Report
from service_status.queries import status_cache_clear
from tests.factories import UserFactory
from tests.registry.conftest import meter_information_bytes, points, send, unknown_core

LONDON = ZoneInfo("Europe/London")
RETIRED_AT = datetime(2019, 6, 27, 18, 0, tzinfo=LONDON)


@pytest.fixture
def retirement(settings, db):
    settings.SERVICE_RETIRED_FUNCTIONS = {"d0312_maintenance": {"from": RETIRED_AT}}
    status_cache_clear()
    return RETIRED_AT


def report_rows(report) -> list[list[str]]:
    with report.file.open("rb") as stream:
        return list(csv.reader(io.TextIOWrapper(stream, encoding="utf-8")))


def test_a_processed_d0312_gets_a_report_of_every_record_for_the_sending_mop(
    loaded, meter_operator, distributor
):
    mine, someone_elses = (p.items["mpan_core"] for p in points(5)[:2])
    missing = unknown_core()

    flow_file = send(
        meter_information_bytes([mine, someone_elses, missing]),
        sender=meter_operator,
        name="MTRW0001.D0312",
    )

    assert flow_file.status == FlowFileStatus.APPLIED
    report = Report.objects.get()
    assert report.organisation == meter_operator
    assert report.kind == ReportKind.D0312_PROCESSING
    assert report.title == "D0312 processing report for MTRW0001.D0312"
    rows = report_rows(report)
    assert rows[0] == ["MPAN core", "Meter serial", "Outcome", "Reason"]
    by_core = {}
    for core, _serial, outcome, reason in rows[1:]:
        by_core.setdefault(core, set()).add((outcome, reason))
    assert by_core[mine] == {("accepted", "")}
    # Another MOP's point and an unknown one get the same answer, naming no one.
    assert by_core[someone_elses] == {
        ("rejected", f"MPAN core {someone_elses}: not appointed to you")
    }
    assert by_core[missing] == {("rejected", f"MPAN core {missing}: not appointed to you")}
    assert "SIEM" not in str(rows)
    assert report.row_count == len(rows) - 1


def test_a_d0312_that_fails_whole_leaves_no_report(loaded, meter_operator):
    mine = points(5)[0].items["mpan_core"]
    broken = meter_information_bytes([mine]).replace(b"ZPT|", b"ZPX|")

    flow_file = send(broken, sender=meter_operator)

    assert flow_file.status == FlowFileStatus.REJECTED
    assert not Report.objects.exists()


def test_a_d0312_after_the_retirement_is_rejected_and_the_earlier_report_stays(
    loaded, meter_operator, retirement, client
):
    mine = points(5)[0].items["mpan_core"]
    with time_machine.travel(RETIRED_AT - timedelta(hours=1), tick=False):
        last = send(meter_information_bytes([mine]), sender=meter_operator, name="LAST.D0312")
    assert last.status == FlowFileStatus.APPLIED
    earlier_report = Report.objects.get()
    meters_before = sorted(Meter.objects.values_list("pk", "serial", "meter_type"))
    points_before = MeteringPoint.objects.count()

    with time_machine.travel(RETIRED_AT + timedelta(seconds=1), tick=False):
        late = send(meter_information_bytes([mine]), sender=meter_operator, name="LATE.D0312")

    assert late.status == FlowFileStatus.REJECTED
    assert late.errors[0]["reason"].startswith(
        "D0312 maintenance has been retired from this service since 18:00 on 27/06/2019"
    )
    assert list(Report.objects.all()) == [earlier_report]
    assert sorted(Meter.objects.values_list("pk", "serial", "meter_type")) == meters_before
    assert MeteringPoint.objects.count() == points_before

    # The last report stays downloadable until it expires, three months after it was made.
    client.force_login(UserFactory(organisation=meter_operator))
    url = reverse("reports:download", args=[earlier_report.pk])
    with time_machine.travel(datetime(2019, 9, 27, 16, 59, 59, tzinfo=LONDON), tick=False):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"MPAN core")
    with time_machine.travel(datetime(2019, 9, 27, 17, 0, 1, tzinfo=LONDON), tick=False):
        assert client.get(url).status_code == 410
