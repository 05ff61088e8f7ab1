from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from service_status.models import ServiceStatusChange, ServiceWindow
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
