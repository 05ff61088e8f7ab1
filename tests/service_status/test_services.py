from datetime import timedelta

import pytest
from django.utils import timezone

from service_status import queries, services
from service_status.models import Broadcast, ServiceStatusChange
from service_status.queries import mode_in_force
from tests.factories import ServiceWindowFactory

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def test_setting_the_mode_is_audited_with_who_what_and_why(service_admin):
    services.service_mode_set(
        mode="offline", until=timezone.now() + HOUR, reason="incident 42", actor=service_admin
    )
    change = ServiceStatusChange.objects.get()
    assert change.action == "override_set"
    assert change.actor == service_admin
    assert change.actor_label == "desk@operator.example"
    assert (change.mode_before, change.mode_after) == ("normal", "offline")
    assert change.reason == "incident 42"
    assert "offline until" in change.subject
    assert mode_in_force().mode == "offline"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_mode_change_without_a_reason_is_refused(service_admin, reason):
    with pytest.raises(services.ServiceStatusError, match="reason"):
        services.service_mode_set(mode="offline", reason=reason, actor=service_admin)
    assert mode_in_force(fresh=True).mode == "normal"
    assert not ServiceStatusChange.objects.exists()


def test_an_until_in_the_past_is_refused(service_admin):
    with pytest.raises(services.ServiceStatusError, match="future"):
        services.service_mode_set(
            mode="offline", until=timezone.now() - HOUR, reason="x", actor=service_admin
        )


def test_clearing_the_mode_returns_to_the_schedule_and_is_audited(service_admin):
    now = timezone.now()
    ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + HOUR)
    services.service_mode_set(mode="normal", reason="tested early", actor=service_admin)
    assert mode_in_force().mode == "normal"
    services.service_mode_clear(reason="back to plan", actor=service_admin)
    assert mode_in_force().mode == "restricted"
    latest = ServiceStatusChange.objects.latest()
    assert latest.action == "override_cleared"
    assert (latest.mode_before, latest.mode_after) == ("normal", "restricted")


def test_adding_ending_and_removing_a_window_are_audited(service_admin):
    now = timezone.now()
    window = services.service_window_add(
        mode="offline",
        starts_at=now - HOUR,
        ends_at=now + HOUR,
        reason="deploy",
        actor=service_admin,
    )
    services.service_window_end_now(window=window, reason="done early", actor=service_admin)
    services.service_window_remove(window=window, reason="tidy up", actor=service_admin)
    changes = list(
        ServiceStatusChange.objects.order_by("pk").values_list(
            "action", "mode_before", "mode_after", "reason"
        )
    )
    assert changes == [
        ("window_added", "normal", "offline", "deploy"),
        ("window_changed", "offline", "normal", "done early"),
        ("window_removed", "normal", "normal", "tidy up"),
    ]


def test_a_window_must_end_after_it_starts(service_admin):
    now = timezone.now()
    with pytest.raises(services.ServiceStatusError, match="end after"):
        services.service_window_add(
            mode="offline", starts_at=now, ends_at=now, reason="x", actor=service_admin
        )


def test_the_audit_is_append_only(service_admin):
    services.service_mode_set(mode="restricted", reason="x", actor=service_admin)
    change = ServiceStatusChange.objects.get()
    change.reason = "something else"
    with pytest.raises(TypeError, match="append-only"):
        change.save()
    with pytest.raises(TypeError, match="append-only"):
        change.delete()
    with pytest.raises(TypeError, match="append-only"):
        ServiceStatusChange.objects.update(reason="y")
    with pytest.raises(TypeError, match="append-only"):
        ServiceStatusChange.objects.all().delete()


def test_a_change_reaches_the_cached_status_at_once(service_admin):
    assert mode_in_force().mode == "normal"  # cached now
    services.service_mode_set(mode="offline", reason="incident", actor=service_admin)
    assert mode_in_force().mode == "offline"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"active_until": -HOUR}, "must end after it starts"),
        ({"active_until": timedelta(0)}, "must end after it starts"),
        ({"title": " "}, "needs a title"),
        ({"body": ""}, "needs some text"),
        ({"severity": "panic"}, "not a severity"),
        ({"user_roles": ("root",)}, "Unknown portal role"),
        ({"market_role_codes": "Q"}, "Unknown market role"),
    ],
)
def test_a_broadcast_that_makes_no_sense_is_refused_and_nothing_is_saved(
    service_admin, fields, message
):
    now = timezone.now()
    arguments = {"title": "Weekend", "body": "Restricted.", "active_from": now} | fields
    if "active_until" in fields:
        arguments["active_until"] = now + fields["active_until"]
    with pytest.raises(services.ServiceStatusError, match=message):
        services.broadcast_create(**arguments, actor=service_admin)
    assert not Broadcast.objects.exists()
    assert not ServiceStatusChange.objects.exists()


def test_a_broadcast_and_its_update_are_audited_and_shown_at_once(service_admin):
    broadcast = services.broadcast_create(
        title="Weekend",
        body="Restricted.",
        active_from=timezone.now() - HOUR,
        actor=service_admin,
        reason="DTC 12.5",
    )
    assert queries.banner_broadcast().title == "Weekend"  # the cached status was refreshed
    services.broadcast_update_post(broadcast=broadcast, text="all restored", actor=service_admin)
    assert queries.banner_broadcast().latest_update[1] == "all restored"
    services.broadcast_end(broadcast=broadcast, actor=service_admin)
    assert queries.banner_broadcast() is None
    assert list(ServiceStatusChange.objects.order_by("pk").values_list("action", "reason")) == [
        ("broadcast_added", "DTC 12.5"),
        ("broadcast_update_posted", "all restored"),
        ("broadcast_ended", "to keep users informed"),
    ]


def test_a_broadcast_cannot_be_ended_twice(service_admin):
    broadcast = services.broadcast_create(
        title="W", body="R", active_from=timezone.now() - HOUR, actor=service_admin
    )
    services.broadcast_end(broadcast=broadcast, actor=service_admin)
    with pytest.raises(services.ServiceStatusError, match="ended already"):
        services.broadcast_end(broadcast=broadcast, actor=service_admin)
