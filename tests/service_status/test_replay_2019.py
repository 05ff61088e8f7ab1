"""Acceptance: the June 2019 cut-over (shared/DOMAIN.md), replayed on a clock.

The operator plans the weekend with the commands, the clock moves through it, and at each
moment the test checks what the pages and the API answer, with real data: a metering
point to search, a D0312 report to download, users of a supplier and of a MOP.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.roles import MarketRole, UserRole
from reports.kinds import ReportKind
from service_status import services
from service_status.models import Broadcast, ServiceWindow
from tests.factories import MeteringPointFactory, OrganisationFactory, ReportFactory, UserFactory

UK = ZoneInfo("Europe/London")


def uk(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2019, month, day, hour, minute, tzinfo=UK)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


MPAN = "1800021679848"


def downloads(client, report) -> bool:
    response = client.get(f"/reports/{report.pk}/download/")
    return response.status_code == 200 and b"".join(response.streaming_content).startswith(
        b"MPAN core"
    )


@pytest.fixture
def point(db):
    return MeteringPointFactory(mpan_core=MPAN, distributor_id="18", gsp_group="_N")


@pytest.fixture
def last_d0312_report(member, media_root):
    """The last D0312 report, processed on Thu 27 June before the restriction."""
    with at(uk(27, 17)):
        return ReportFactory(
            organisation=member.organisation,
            kind=ReportKind.D0312_PROCESSING,
            title="D0312 processing report for LAST.D0312",
            rows_header=("MPAN core", "Meter serial", "Outcome", "Reason"),
            rows=[(MPAN, "S95A12345", "accepted", "")],
        )


@pytest.fixture
def mop_user(db):
    mop = OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)
    return UserFactory(organisation=mop, email="mop@mtrw.example", role=UserRole.USER)


@pytest.fixture
def planned_weekend(db, service_admin):
    """What the operator set up on Mon 24 June 2019."""
    with at(uk(24, 9)):
        call_command(
            "service_window",
            "add",
            "--mode=restricted",
            "--start=2019-06-27 18:00",
            "--end=2019-06-29 08:00",
            "--reason=DTC 12.5 release and data migration",
            "--message=Only primary search and user management are available.",
            "--by=ops",
        )
        call_command(
            "service_window",
            "add",
            "--mode=offline",
            "--start=2019-06-28 18:00",
            "--end=2019-06-28 20:00",
            "--reason=deploying updates",
            "--by=ops",
        )
        services.retired_function_set(
            function="d0312_maintenance",
            retired_from=uk(27, 18),
            message="D0312 is now processed by MPAS. D0312 reports stay downloadable on the "
            "reports screen until the end of September 2019.",
            reason="D0312 moves from the enquiry service to MPAS in DTC 12.5",
            actor=service_admin,
        )
        services.broadcast_create(
            title="DTC 12.5 release weekend",
            body="From 18:00 Thu 27 June the service is restricted; on Fri 28 June from 18:00 "
            "it is offline for up to two hours.",
            severity="warning",
            active_until=uk(30, 23, 59),
            actor=service_admin,
        )


def test_the_2019_cut_over_replays_hour_by_hour(
    client, planned_weekend, member, org_admin, mop_user, service_admin, point, last_d0312_report
):
    broadcast = Broadcast.objects.get()

    # Wed 26 June: everything works; every page announces the weekend.
    with at(uk(26, 12)):
        client.force_login(member)
        home = client.get("/")
        assert home.status_code == 200
        text = home.content.decode()
        assert "Planned: Restricted from 18:00 Thu 27 June to 08:00 Sat 29 June" in text
        assert "Planned: Offline from 18:00 Fri 28 June to 20:00 Fri 28 June" in text
        assert "DTC 12.5 release weekend" in text
        assert client.get("/reports/").status_code == 200
        assert downloads(client, last_d0312_report)
        assert client.get("/flows/d0312/").status_code == 404  # not retired yet: no such page

    # Thu 27 June 19:00: restricted. Search and user management work, the rest is 503.
    with at(uk(27, 19)):
        client.force_login(member)
        assert client.get("/").status_code == 200
        assert (
            "The service is restricted until 08:00 Sat 29 June" in client.get("/").content.decode()
        )
        found = client.get(f"/search/?q={MPAN}")
        assert found.status_code == 302  # one exact match goes straight to its detail
        assert found["Location"] == f"/metering-points/{MPAN}/"
        assert client.get(f"/metering-points/{MPAN}/").status_code == 200
        assert client.get(f"/api/v1/metering-points/{MPAN}/").json()["mpan_core"] == MPAN
        assert client.get("/accounts/password/change/").status_code == 200
        client.force_login(org_admin)
        assert client.get("/organisation/users/").status_code == 200
        client.force_login(member)
        for path in ["/reports/", "/bulk/", "/flows/", "/some/other/page/"]:
            refused = client.get(path)
            assert refused.status_code == 503, path
            assert refused["Retry-After"] == str(37 * 3600), path  # to 08:00 Sat
        api = client.get("/api/v1/reports/")
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "service_restricted"
        assert api.json()["retry_after"] == 37 * 3600
        assert api.json()["window"]["ends_at"] == "2019-06-29T08:00:00+01:00"
        # D0312 maintenance is retired from 18:00 Thu: 410, not 503.
        assert client.get("/flows/d0312/").status_code == 410
        assert client.get("/api/v1/flows/d0312/").json()["error"]["code"] == "function_retired"
        assert client.get("/service-status/").status_code == 200
        assert client.get("/api/v1/service-status/").json()["mode"] == "restricted"
        assert client.get("/health/").status_code == 200
        client.force_login(service_admin)
        assert client.get("/admin/").status_code == 200

    # Fri 28 June 18:30: offline for everyone; health and the status page still answer.
    with at(uk(28, 18, 30)):
        client.force_login(member)
        home = client.get("/")
        assert home.status_code == 503
        assert home["Retry-After"] == str(90 * 60)  # to 20:00, when restricted mode resumes
        assert "The service is offline" in home.content.decode()
        assert client.get("/api/v1/metering-points/1800021679848/")["Retry-After"] == "5400"
        reports = client.get("/api/v1/reports/")
        assert reports.status_code == 503
        assert reports.json()["error"]["code"] == "service_offline"
        assert reports.json()["mode"] == "offline"
        assert reports.json()["retry_after"] == 13 * 3600 + 30 * 60  # offline, then restricted
        assert client.get("/admin/").status_code == 503  # not a service admin
        assert client.get("/health/").status_code == 200
        assert client.get("/health/ready/").status_code == 200
        assert client.get("/service-status/").status_code == 200
        assert client.get("/api/v1/service-status/").json()["mode"] == "offline"
        client.logout()
        assert client.get("/accounts/login/").status_code == 200  # service admins log in
        client.force_login(service_admin)
        assert client.get("/admin/").status_code == 200

    # 18:51: the deployment is done early; the operator ends the offline window and says so.
    with at(uk(28, 18, 51)):
        offline = ServiceWindow.objects.get(mode="offline")
        call_command("service_window", "end", str(offline.pk), "--reason=deployed", "--by=ops")
        services.broadcast_update_post(broadcast=broadcast, text="all user access restored")
        client.force_login(member)
        assert client.get("/").status_code == 200
        assert (
            "Update (28/06/2019 18:51): all user access restored"
            in client.get("/").content.decode()
        )

    # Fri 28 June 20:30: restricted again.
    with at(uk(28, 20, 30)):
        client.force_login(member)
        assert client.get("/").status_code == 200
        assert client.get("/reports/")["Retry-After"] == str(11 * 3600 + 30 * 60)
        assert client.get("/api/v1/bulk-searches/").status_code == 503

    # Sat 29 June 10:00: everything is back except D0312 maintenance; reports download.
    with at(uk(29, 10)):
        client.force_login(member)
        assert client.get("/").status_code == 200
        assert client.get("/reports/").status_code == 200
        assert client.get("/api/v1/reports/").json()["count"] == 1
        assert downloads(client, last_d0312_report)
        assert client.get("/bulk/").status_code == 200
        client.force_login(mop_user)
        assert client.get("/flows/").status_code == 200
        assert client.get("/api/v1/flows/").status_code == 405  # reached: it takes POSTs only
        retired = client.get("/flows/d0312/")
        assert retired.status_code == 410
        assert "D0312 is now processed by MPAS" in retired.content.decode()
        api = client.get("/api/v1/flows/d0312/")
        assert api.status_code == 410
        assert api.json()["error"] == {
            "code": "function_retired",
            "message": api.json()["error"]["message"],
            "field": None,
        }
        status = client.get("/api/v1/service-status/").json()
        assert status["mode"] == "normal"
        assert [r["function"] for r in status["retired_functions"]] == ["d0312_maintenance"]

    # Mon 1 July: normal; the broadcast has ended but stays on the status page's timeline.
    with at(uk(1, 9, month=7)):
        client.force_login(member)
        home = client.get("/").content.decode()
        assert "DTC 12.5 release weekend" not in home
        assert "Planned:" not in home
        page = client.get("/service-status/").content.decode()
        assert "DTC 12.5 release weekend" in page
        assert "Update (28/06/2019 18:51): all user access restored" in page
        assert client.get("/flows/d0312/").status_code == 410
        # D0312 reports stay downloadable until they expire, three months on.
        assert downloads(client, last_d0312_report)


def test_every_change_of_the_weekend_is_in_the_audit(planned_weekend):
    from service_status.models import ServiceStatusChange

    actions = list(ServiceStatusChange.objects.order_by("pk").values_list("action", "actor_label"))
    assert actions == [
        ("window_added", "ops (command line)"),
        ("window_added", "ops (command line)"),
        ("retirement_set", "desk@operator.example"),
    ]
