"""Acceptance: the June 2019 cut-over (shared/DOMAIN.md), replayed on a clock.

The operator plans the weekend with the commands, the clock moves through it, and at each
phase every persona (anonymous, a supplier's user, its organisation admin, a service
admin) asks for the same pages and API calls, with real data: a metering point to search,
a D0312 report to download. The answers are written out below, phase by phase.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from accounts.roles import MarketRole, UserRole
from registry.models import FlowFileChannel, FlowFileStatus
from registry.services import flow_file_process, flow_file_receive
from reports.kinds import ReportKind
from search.models import SearchEvent
from service_status import policy
from service_status.models import Broadcast, ServiceStatusChange, ServiceWindow
from tests.factories import (
    TEST_PASSWORD,
    MeteringPointFactory,
    OrganisationFactory,
    ReportFactory,
    UserFactory,
    login_with_two_factors,
)
from tests.registry.conftest import meter_information_bytes

UK = ZoneInfo("Europe/London")
MPAN = "1800021679848"
PERSONAS = ("anonymous", "user", "org_admin", "service_admin")


def uk(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2019, month, day, hour, minute, tzinfo=UK)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


SEARCH = f"/search/?q={MPAN}"
DETAIL = f"/metering-points/{MPAN}/"
API_DETAIL = f"/api/v1/metering-points/{MPAN}/"
EXPORT = f"/search/export.csv?q={MPAN}"
USAGE = "/search/usage/"
L, AL = "302>/accounts/login/", "302>/admin/login/"

# What each persona gets on an ordinary day: the portal's own permissions.
# (anonymous, user, organisation admin, service admin)
ORDINARY: dict[str, tuple] = {
    "/": (L, 200, 200, 200),
    SEARCH: (L, f"302>{DETAIL}", f"302>{DETAIL}", f"302>{DETAIL}"),
    DETAIL: (L, 200, 200, 200),
    API_DETAIL: (401, 200, 200, 200),
    EXPORT: (L, 200, 200, 200),
    USAGE: (L, 403, 200, 200),
    "/accounts/login/": (200, "302>/", "302>/", "302>/"),
    "/accounts/password/change/": (L, 200, 200, 200),
    "/organisation/users/": (L, 404, 200, 200),
    "/organisation/api-keys/": (L, 403, 200, 200),
    "/reports/": (L, 200, 200, 200),
    "/api/v1/reports/": (401, 200, 200, 200),
    "/bulk/": (L, 200, 200, 200),
    "/api/v1/bulk-searches/": (401, 200, 200, 200),
    "/flows/": (L, 403, 403, 200),
    "/api/docs/": (200, 200, 200, 200),
    "/admin/": (AL, AL, AL, 200),
    "/health/": (200, 200, 200, 200),
    "/service-status/": (200, 200, 200, 200),
}

# The functions the 2019 notice does not name: refused while restricted and offline.
NOT_SEARCH_OR_USER_MANAGEMENT = [
    EXPORT,
    USAGE,
    "/reports/",
    "/api/v1/reports/",
    "/bulk/",
    "/api/v1/bulk-searches/",
    "/flows/",
    "/api/docs/",
]
SEARCH_AND_USER_MANAGEMENT = [
    "/",
    SEARCH,
    DETAIL,
    API_DETAIL,
    "/accounts/password/change/",
    "/organisation/users/",
    "/organisation/api-keys/",
]


def refused(retry_after: int, *, except_service_admins: bool = False) -> tuple:
    """503 with this Retry-After for every persona (None: as on an ordinary day)."""
    cell = (503, retry_after)
    return (cell, cell, cell, None if except_service_admins else cell)


def restricted(retry_after: int) -> dict[str, tuple]:
    return {path: refused(retry_after) for path in NOT_SEARCH_OR_USER_MANAGEMENT} | {
        "/admin/": refused(retry_after, except_service_admins=True)
    }


HOURS = 3600
# Fri 18:30, offline to 20:00 then restricted to 08:00 Sat: search and user management
# are back at 20:00, the rest at 08:00 Sat.
OFFLINE_AT_1830 = (
    {path: refused(90 * 60) for path in SEARCH_AND_USER_MANAGEMENT}
    | {path: refused(13 * HOURS + 30 * 60) for path in NOT_SEARCH_OR_USER_MANAGEMENT}
    | {
        "/admin/": refused(13 * HOURS + 30 * 60, except_service_admins=True),
        # Logging in is for service admins only; anonymous visitors see the form.
        "/accounts/login/": (None, (503, 90 * 60), (503, 90 * 60), None),
    }
)

PHASES = [
    ("Wed 26 June 12:00, before", uk(26, 12), {}),
    ("Thu 27 June 19:00, restricted", uk(27, 19), restricted(37 * HOURS)),
    ("Fri 28 June 18:30, offline", uk(28, 18, 30), OFFLINE_AT_1830),
    ("Fri 28 June 20:30, restricted again", uk(28, 20, 30), restricted(11 * HOURS + 30 * 60)),
    ("Sat 29 June 10:00, after", uk(29, 10), {}),
    ("Mon 1 July 09:00, normal", uk(1, 9, month=7), {}),
]


def expected(path: str, persona_index: int, phase_answers: dict) -> tuple:
    cell = phase_answers.get(path, (None,) * 4)[persona_index]
    return cell if cell is not None else (ORDINARY[path][persona_index], None)


def answer(response) -> tuple:
    status = response.status_code
    got = f"302>{response['Location'].split('?')[0]}" if status in (301, 302) else status
    retry_after = response.get("Retry-After")
    return got, int(retry_after) if retry_after is not None else None


@pytest.fixture
def point(db):
    return MeteringPointFactory(mpan_core=MPAN, distributor_id="18", gsp_group="_N")


@pytest.fixture
def mop(db):
    return OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)


@pytest.fixture
def mop_user(mop):
    return UserFactory(organisation=mop, email="mop@mtrw.example", role=UserRole.USER)


@pytest.fixture
def last_d0312_report(mop_user, media_root):
    """The last D0312 report, processed on Thu 27 June before the restriction."""
    with at(uk(27, 17)):
        return ReportFactory(
            organisation=mop_user.organisation,
            kind=ReportKind.D0312_PROCESSING,
            title="D0312 processing report for LAST.D0312",
            rows_header=("MPAN core", "Meter serial", "Outcome", "Reason"),
            rows=[(MPAN, "S95A12345", "accepted", "")],
        )


@pytest.fixture
def planned_weekend(db, service_admin):
    """What the operator set up on Mon 24 June 2019, all from the command line."""
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
        from service_status import services

        services.retired_function_set(
            function="d0312_maintenance",
            retired_from=uk(27, 18),
            message="D0312 is now processed by MPAS. D0312 reports stay downloadable on the "
            "reports screen until the end of September 2019.",
            reason="D0312 moves from the enquiry service to MPAS in DTC 12.5",
            actor=service_admin,
        )
        call_command(
            "broadcast",
            "add",
            "--title=DTC 12.5 release weekend",
            "--body=From 18:00 Thu 27 June the service is restricted; on Fri 28 June from "
            "18:00 it is offline for up to two hours.",
            "--severity=warning",
            "--until=2019-06-30 23:59",
            "--by=ops",
        )


@pytest.fixture
def personas(member, org_admin, service_admin, point):
    """One client per persona, logged in (the anonymous one is not)."""
    clients = {"anonymous": Client()}
    for name, user in [
        ("user", member),
        ("org_admin", org_admin),
        ("service_admin", service_admin),
    ]:
        clients[name] = Client()
        if name == "service_admin":
            login_with_two_factors(clients[name], user)  # as the admin requires
        else:
            clients[name].force_login(user)
    return clients


@pytest.mark.parametrize(("phase", "moment", "phase_answers"), PHASES, ids=[p[0] for p in PHASES])
def test_every_persona_gets_what_the_notice_says_in_each_phase(
    planned_weekend, personas, phase, moment, phase_answers
):
    wrong = []
    with at(moment):
        for path in ORDINARY:
            for index, persona in enumerate(PERSONAS):
                got = answer(personas[persona].get(path))
                want = expected(path, index, phase_answers)
                if got != want:
                    wrong.append(f"{phase}: GET {path} as {persona}: expected {want}, got {got}")
    assert wrong == []


def test_exports_and_usage_reports_are_refused_while_restricted_and_disclose_nothing(
    planned_weekend, personas
):
    with at(uk(27, 19)):
        lookups_before = SearchEvent.objects.count()
        for persona in ("user", "org_admin"):
            export = personas[persona].get(EXPORT)
            assert export.status_code == 503
            assert export["Content-Type"].startswith("text/html")
            assert "Export of search results is not available" in export.content.decode()
            usage = personas[persona].get(USAGE)
            assert (usage.status_code, usage["Retry-After"]) == (503, str(37 * HOURS))
        assert SearchEvent.objects.count() == lookups_before
        # Search itself works, and is audited as ever.
        assert personas["user"].get(DETAIL).status_code == 200
        assert SearchEvent.objects.count() == lookups_before + 1
        # The navigation hides what is refused, and the banner says until when.
        home = personas["user"].get("/").content.decode()
        assert 'href="/reports/"' not in home
        assert 'href="/bulk/"' not in home
        assert "Not available now: Export of search results (back at 08:00 Sat 29 June)" in home


def test_while_offline_only_service_admins_log_in_and_nobody_else_gets_a_session(
    planned_weekend, member, org_admin, service_admin
):
    with at(uk(28, 18, 30)):
        for user in (member, org_admin):
            client = Client()
            sessions = Session.objects.count()
            assert client.get("/accounts/login/").status_code == 200
            refused_login = client.post(
                "/accounts/login/", {"login": user.email, "password": TEST_PASSWORD}
            )
            assert refused_login.status_code == 503
            assert refused_login["Retry-After"] == str(90 * 60)
            assert "The service is offline" in refused_login.content.decode()
            assert Session.objects.count() == sessions, user.email
            assert client.get("/").status_code == 503
        admin = Client()
        response = admin.post(
            "/accounts/login/", {"login": service_admin.email, "password": TEST_PASSWORD}
        )
        assert response["Location"] == "/accounts/2fa/authenticate/"  # on to the second factor
    with at(uk(28, 20, 30)):  # restricted again: everyone logs in
        response = Client().post(
            "/accounts/login/", {"login": member.email, "password": TEST_PASSWORD}
        )
        assert (response.status_code, response["Location"]) == (302, "/")


def test_while_offline_d0312_maintenance_is_retired_not_coming_back(
    planned_weekend, mop, mop_user, point, media_root
):
    with at(uk(28, 18, 30)):
        for persona in policy.Persona:
            decision = policy.access(function="d0312_maintenance", persona=persona)
            assert (decision.status, decision.retry_after) == (410, None), persona
        status = Client().get("/api/v1/service-status/").json()
        d0312 = next(f for f in status["functions"] if f["function"] == "d0312_maintenance")
        assert (d0312["status"], d0312["available_from"]) == (410, None)
        reports = next(f for f in status["functions"] if f["function"] == "reports")
        assert (reports["status"], reports["available_from"]) == (503, "2019-06-29T08:00:00+01:00")
        # A D0312 file that reaches the inbox meanwhile is rejected for good, not held.
        flow_file = flow_file_receive(
            content=io.BytesIO(meter_information_bytes([MPAN])),
            original_name="MTRW0002.D0312",
            channel=FlowFileChannel.INBOX,
            sender=mop,
            queue=False,
        )
        flow_file = flow_file_process(flow_file_id=flow_file.pk)
        assert flow_file.status == FlowFileStatus.REJECTED
        assert "D0312 maintenance has been retired" in flow_file.errors[0]["reason"]
        # The flow screens are offline like everything else, with a Retry-After.
        client = Client()
        client.force_login(mop_user)
        assert client.get("/flows/").status_code == 503


def test_the_last_d0312_report_stays_downloadable_after_the_weekend(
    planned_weekend, mop_user, last_d0312_report
):
    client = Client()
    client.force_login(mop_user)
    url = f"/reports/{last_d0312_report.pk}/download/"
    for moment, status in [(uk(26, 12), 200), (uk(27, 19), 503), (uk(1, 9, month=7), 200)]:
        with at(moment):
            response = client.get(url)
            assert response.status_code == status, moment
            if status == 200:
                assert b"".join(response.streaming_content).startswith(b"MPAN core")
    with at(uk(29, 10)):
        assert client.get("/flows/").status_code == 200  # a MOP sends its other flows again


def test_the_broadcast_and_its_update_keep_users_informed(planned_weekend, personas):
    broadcast = Broadcast.objects.get()
    with at(uk(26, 12)):
        text = personas["user"].get("/").content.decode()
        assert "Planned: Restricted from 18:00 Thu 27 June to 08:00 Sat 29 June" in text
        assert "Planned: Offline from 18:00 Fri 28 June to 20:00 Fri 28 June" in text
        assert "DTC 12.5 release weekend" in text
    with at(uk(27, 19)):
        text = personas["user"].get("/").content.decode()
        assert "The service is restricted until 08:00 Sat 29 June" in text
    # 18:51: the deployment is done early; the operator ends the offline window and says so.
    with at(uk(28, 18, 51)):
        offline = ServiceWindow.objects.get(mode="offline")
        call_command("service_window", "end", str(offline.pk), "--reason=deployed", "--by=ops")
        call_command("broadcast", "update", str(broadcast.pk), "--text=all user access restored")
        home = personas["user"].get("/")
        assert home.status_code == 200
        assert "Update (28/06/2019 18:51): all user access restored" in home.content.decode()
    with at(uk(1, 9, month=7)):
        home = personas["user"].get("/").content.decode()
        assert "DTC 12.5 release weekend" not in home
        assert "Planned:" not in home
        page = personas["anonymous"].get("/service-status/").content.decode()
        assert "DTC 12.5 release weekend" in page
        assert "Update (28/06/2019 18:51): all user access restored" in page


def test_every_change_of_the_weekend_is_in_the_audit(planned_weekend):
    actions = list(ServiceStatusChange.objects.order_by("pk").values_list("action", "actor_label"))
    assert actions == [
        ("window_added", "ops (command line)"),
        ("window_added", "ops (command line)"),
        ("retirement_set", "desk@operator.example"),
        ("broadcast_added", "ops (command line)"),
    ]
