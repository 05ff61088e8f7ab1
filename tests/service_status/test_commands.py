from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from service_status.models import Broadcast, ServiceStatusChange, ServiceWindow
from service_status.queries import mode_in_force

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _thursday_before_the_cut_over():
    with time_machine.travel(datetime(2019, 6, 27, 12, 0, tzinfo=UK), tick=False):
        yield


def test_service_mode_status_shows_the_mode_and_changes_nothing():
    assert run("service_mode", "status") == "Mode: normal (no window active)\n"
    assert not ServiceStatusChange.objects.exists()


def test_service_mode_needs_a_reason_to_change():
    with pytest.raises(CommandError, match="--reason is required"):
        run("service_mode", "offline")
    assert mode_in_force(fresh=True).mode == "normal"
    assert not ServiceStatusChange.objects.exists()


def test_service_mode_sets_a_manual_mode_until_a_uk_time():
    output = run(
        "service_mode", "offline", "--until", "2019-06-27 14:00", "--reason", "db failover"
    )
    assert "Mode: offline (manual until 14:00 Thu 27 June" in output
    change = ServiceStatusChange.objects.get()
    assert change.reason == "db failover"
    assert change.actor_label.endswith("(command line)")
    assert mode_in_force().ends_at == datetime(2019, 6, 27, 14, 0, tzinfo=UK)


def test_service_mode_schedule_clears_the_manual_mode():
    run("service_mode", "normal", "--reason", "ignore the window", "--by", "ops")
    run("service_mode", "schedule", "--reason", "follow the plan", "--by", "ops")
    assert [c.action for c in ServiceStatusChange.objects.order_by("pk")] == [
        "override_set",
        "override_cleared",
    ]


def test_service_mode_refuses_an_unreadable_time():
    with pytest.raises(CommandError, match="not a date and time"):
        run("service_mode", "offline", "--until", "tomorrow", "--reason", "x")


def test_service_window_add_list_and_remove():
    added = run(
        "service_window",
        "add",
        "--mode",
        "restricted",
        "--start",
        "2019-06-27 18:00",
        "--end",
        "2019-06-29 08:00",
        "--reason",
        "DTC 12.5",
    )
    window = ServiceWindow.objects.get()
    assert f"Added window #{window.pk}: restricted from 18:00 Thu 27 June" in added
    assert window.starts_at == datetime(2019, 6, 27, 18, 0, tzinfo=UK)
    assert f"#{window.pk} restricted from 18:00 Thu 27 June to 08:00 Sat 29 June" in run(
        "service_window", "list"
    )
    run("service_window", "remove", str(window.pk), "--reason", "postponed")
    assert not ServiceWindow.objects.exists()
    assert run("service_window", "list") == "No windows.\n"
    assert [c.action for c in ServiceStatusChange.objects.order_by("pk")] == [
        "window_added",
        "window_removed",
    ]


def test_service_window_remove_needs_a_reason():
    run(
        "service_window",
        "add",
        "--mode=offline",
        "--start=2019-06-28 18:00",
        "--end=2019-06-28 20:00",
        "--reason=deploy",
    )
    with pytest.raises(CommandError):
        run("service_window", "remove", str(ServiceWindow.objects.get().pk))
    assert ServiceWindow.objects.exists()


def test_service_window_refuses_to_end_a_window_that_has_not_started():
    run(
        "service_window",
        "add",
        "--mode=offline",
        "--start=2019-06-28 18:00",
        "--end=2019-06-28 20:00",
        "--reason=deploy",
    )
    with pytest.raises(CommandError, match="not active"):
        run("service_window", "end", str(ServiceWindow.objects.get().pk), "--reason", "x")


def _plan_the_weekend():
    run(
        "service_window",
        "add",
        "--mode=restricted",
        "--start=2019-06-27 18:00",
        "--end=2019-06-29 08:00",
        "--reason=DTC 12.5 release",
    )
    run(
        "service_window",
        "add",
        "--mode=offline",
        "--start=2019-06-28 18:00",
        "--end=2019-06-28 20:00",
        "--reason=deploying updates",
    )


def test_service_window_preview_rehearses_a_moment():
    _plan_the_weekend()
    output = run("service_window", "preview", "--at", "2019-06-28 18:30")
    lines = output.splitlines()
    assert lines[0].startswith("Fri 28/06/2019 18:30 (UK time)  mode: offline (window #")
    row = {line.split()[0]: line for line in lines[2:]}
    assert row["reports"].split() == [
        "reports",
        *["503", "until", "08:00", "Sat", "29", "June"] * 4,
    ]
    assert row["sign_in"].split() == [
        "sign_in",
        "works",
        *["503", "until", "20:00", "Fri", "28", "June"] * 2,
        "works",
    ]
    assert not ServiceStatusChange.objects.exclude(action="window_added").exists()


def test_service_window_preview_prints_a_timeline_with_a_table_at_each_change():
    _plan_the_weekend()
    output = run(
        "service_window",
        "preview",
        "--from",
        "2019-06-28 17:00",
        "--to",
        "2019-06-28 21:00",
        "--step",
        "1h",
    )
    moments = [line for line in output.splitlines() if not line.startswith("  ")]
    assert [m[:20] for m in moments] == [
        f"Fri 28/06/2019 {hour}:00" for hour in (17, 18, 19, 20, 21)
    ]
    assert "mode: restricted" in moments[0]
    assert "mode: offline" in moments[1]
    assert moments[2].endswith("mode: offline, answers unchanged")
    assert "mode: restricted (window #" in moments[3]


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2019-06-28 17:00"),
        ("--at", "2019-06-28 17:00", "--from", "2019-06-28 17:00", "--to", "2019-06-28 18:00"),
        ("--from", "2019-06-28 17:00", "--to", "2019-06-28 18:00", "--step", "soon"),
        ("--from", "2019-06-28 18:00", "--to", "2019-06-28 17:00"),
    ],
)
def test_service_window_preview_refuses_what_it_cannot_rehearse(args):
    with pytest.raises(CommandError):
        run("service_window", "preview", *args)


def test_broadcast_add_update_and_end_are_audited():
    added = run(
        "broadcast",
        "add",
        "--title",
        "DTC 12.5 release weekend",
        "--body",
        "From 18:00 Thu 27 June the service is restricted.",
        "--severity",
        "warning",
        "--until",
        "2019-06-30 23:59",
        "--by",
        "ops",
    )
    broadcast = Broadcast.objects.get()
    assert f"Added broadcast #{broadcast.pk}: DTC 12.5 release weekend (warning)" in added
    with time_machine.travel(datetime(2019, 6, 28, 18, 51, tzinfo=UK), tick=False):
        posted = run("broadcast", "update", str(broadcast.pk), "--text", "all user access restored")
    assert posted == (
        f"Broadcast #{broadcast.pk}: Update (28/06/2019 18:51): all user access restored\n"
    )
    with time_machine.travel(datetime(2019, 6, 29, 9, 0, tzinfo=UK), tick=False):
        run("broadcast", "end", str(broadcast.pk), "--by", "ops")
    broadcast.refresh_from_db()
    assert broadcast.active_until == datetime(2019, 6, 29, 9, 0, tzinfo=UK)
    audit = list(ServiceStatusChange.objects.order_by("pk").values_list("action", "actor_label"))
    assert [action for action, _ in audit] == [
        "broadcast_added",
        "broadcast_update_posted",
        "broadcast_ended",
    ]
    assert audit[0][1] == "ops (command line)"


def test_broadcast_add_refuses_one_that_ends_before_it_starts():
    with pytest.raises(CommandError, match="must end after it starts"):
        run(
            "broadcast",
            "add",
            "--title=Weekend",
            "--body=Restricted.",
            "--from=2019-06-27 18:00",
            "--until=2019-06-27 17:00",
        )
    assert not Broadcast.objects.exists()
    assert not ServiceStatusChange.objects.exists()


def test_broadcast_refuses_an_unknown_organisation_and_broadcast():
    with pytest.raises(CommandError, match="No organisation with MPID NOPE"):
        run("broadcast", "add", "--title=T", "--body=B", "--organisation=NOPE")
    with pytest.raises(CommandError, match="no broadcast #99"):
        run("broadcast", "update", "99", "--text", "hello")
    assert not ServiceStatusChange.objects.exists()
