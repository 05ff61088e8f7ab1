import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import MarketRole
from registry.d0312_report import report_create_d0312_processing
from registry.retirement import D0312RetiredError, d0312_ensure_not_retired, d0312_retired_since
from reports.models import Report
from service_status.queries import status_cache_clear
from tests.factories import OrganisationFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
RETIRED_AT = datetime(2019, 6, 28, 18, 0, tzinfo=LONDON)
ROOT = Path(__file__).resolve().parents[2]


def process_d0312(*, organisation, flow_file_name, received_at):
    """What the registry's D0312 processing does with the retirement: check, then report."""
    d0312_ensure_not_retired(at=received_at)
    return report_create_d0312_processing(
        organisation=organisation,
        flow_file_name=flow_file_name,
        outcomes=[("1800021679848", "S95A 12345", "accepted", "")],
    )


@pytest.fixture
def retired(settings, db):
    settings.SERVICE_RETIRED_FUNCTIONS = {"d0312_maintenance": {"from": RETIRED_AT}}
    status_cache_clear()
    return RETIRED_AT


@pytest.fixture
def mop(db):
    return OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)


@pytest.mark.django_db
def test_d0312_is_not_retired_while_no_retirement_is_configured(settings):
    settings.SERVICE_RETIRED_FUNCTIONS = {}
    status_cache_clear()
    assert d0312_retired_since(at=datetime(2030, 1, 1, tzinfo=LONDON)) is None
    d0312_ensure_not_retired()


def test_d0312_is_retired_from_the_moment_set(retired):
    assert d0312_retired_since(at=retired - timedelta(seconds=1)) is None
    assert d0312_retired_since(at=retired) == retired


def test_a_file_before_the_retirement_gets_a_report_and_one_after_is_rejected_with_the_message(
    retired, mop, client
):
    with time_machine.travel(datetime(2019, 6, 27, 18, 0, tzinfo=LONDON), tick=False):
        report = process_d0312(
            organisation=mop, flow_file_name="LAST.D0312", received_at=retired - timedelta(days=1)
        )

    with pytest.raises(D0312RetiredError) as rejected:
        process_d0312(
            organisation=mop,
            flow_file_name="LATE.D0312",
            received_at=retired + timedelta(seconds=1),
        )
    assert str(rejected.value).startswith(
        "D0312 maintenance has been retired from this service since 18:00 on 28/06/2019"
    )
    assert list(Report.objects.all()) == [report]

    # The earlier report stays downloadable until it expires at the end of September.
    client.force_login(UserFactory(organisation=mop))
    url = reverse("reports:download", args=[report.pk])
    with time_machine.travel(datetime(2019, 9, 27, 17, 59, 59, tzinfo=LONDON), tick=False):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"MPAN core")
    with time_machine.travel(datetime(2019, 9, 27, 18, 0, 1, tzinfo=LONDON), tick=False):
        assert client.get(url).status_code == 410


def settings_value(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; "
            "print(settings.SERVICE_RETIRED_FUNCTIONS['d0312_maintenance']['from'].isoformat())",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_setting_reads_a_time_without_offset_as_uk_time():
    result = settings_value({"D0312_RETIRED_AT": "2019-06-28T18:00"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2019-06-28T18:00:00+01:00"


def test_a_malformed_retirement_time_stops_start_up():
    result = settings_value({"D0312_RETIRED_AT": "28/06/2019 6pm"})
    assert result.returncode != 0
    assert "D0312_RETIRED_AT='28/06/2019 6pm' is not an ISO date and time" in result.stderr
