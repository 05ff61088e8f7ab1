from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from service_status.models import (
    Broadcast,
    RetiredFunction,
    ServiceOverride,
    ServiceStatusChange,
    ServiceWindow,
)
from service_status.queries import mode_in_force
from tests.factories import BroadcastFactory, ServiceWindowFactory, login_with_two_factors

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")
MODE_URL = "/admin/service_status/servicestatuschange/mode/"


@pytest.fixture
def admin_client_with_csrf(service_admin):
    client = Client(enforce_csrf_checks=True)
    login_with_two_factors(client, service_admin)
    return client


def csrf_token(client) -> str:
    response = client.get(MODE_URL)
    return response.context["csrf_token"]


def test_the_mode_screen_shows_the_mode_and_a_get_changes_nothing(admin_client_with_csrf):
    response = admin_client_with_csrf.get(MODE_URL, {"mode": "offline", "reason": "sneaky"})
    assert response.status_code == 200
    assert "Normal" in response.content.decode()
    assert mode_in_force(fresh=True).mode == "normal"
    assert not ServiceOverride.objects.exists()
    assert not ServiceStatusChange.objects.exists()


def test_a_post_with_a_reason_changes_the_mode_and_is_audited(
    admin_client_with_csrf, service_admin
):
    token = csrf_token(admin_client_with_csrf)
    response = admin_client_with_csrf.post(
        MODE_URL,
        {"mode": "restricted", "reason": "incident 7", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert mode_in_force().mode == "restricted"
    change = ServiceStatusChange.objects.get()
    assert (change.actor, change.reason, change.mode_after) == (
        service_admin,
        "incident 7",
        "restricted",
    )


def test_a_post_without_a_reason_changes_nothing(admin_client_with_csrf):
    token = csrf_token(admin_client_with_csrf)
    response = admin_client_with_csrf.post(
        MODE_URL, {"mode": "offline", "reason": "", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert mode_in_force(fresh=True).mode == "normal"


def test_a_post_without_the_csrf_token_is_refused(admin_client_with_csrf):
    response = admin_client_with_csrf.post(MODE_URL, {"mode": "offline", "reason": "x"})
    assert response.status_code == 403
    assert mode_in_force(fresh=True).mode == "normal"


def test_staff_who_are_not_service_admins_cannot_exist_nor_change_the_mode(client, member):
    member.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()
    client.force_login(member)
    assert client.get(MODE_URL).status_code == 302  # to the admin's login, which refuses
    assert client.post(MODE_URL, {"mode": "offline", "reason": "x"}).status_code == 302
    assert client.get("/admin/login/").status_code == 403
    assert mode_in_force(fresh=True).mode == "normal"


def test_a_window_added_in_the_admin_is_audited_with_its_reason(client, service_admin):
    login_with_two_factors(client, service_admin)
    response = client.post(
        "/admin/service_status/servicewindow/add/",
        {
            "mode": "offline",
            "starts_at_0": "2030-06-28",
            "starts_at_1": "18:00",
            "ends_at_0": "2030-06-28",
            "ends_at_1": "20:00",
            "reason": "deploy",
            "message": "",
            "change_reason": "planned with the distributors",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ServiceWindow.objects.get().reason == "deploy"
    change = ServiceStatusChange.objects.get()
    assert (change.action, change.reason) == ("window_added", "planned with the distributors")


def test_a_window_cannot_be_deleted_in_the_admin(client, service_admin):
    window = ServiceWindowFactory()
    login_with_two_factors(client, service_admin)
    response = client.post(
        f"/admin/service_status/servicewindow/{window.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ServiceWindow.objects.exists()


def test_a_retirement_made_in_the_admin_is_audited(client, service_admin):
    login_with_two_factors(client, service_admin)
    response = client.post(
        "/admin/service_status/retiredfunction/add/",
        {
            "function": "d0312_maintenance",
            "retired_from_0": "2019-06-27",
            "retired_from_1": "18:00",
            "message": "Send D0312 to MPAS.",
            "change_reason": "DTC 12.5",
        },
    )
    assert response.status_code == 302
    assert RetiredFunction.objects.get().retired_from < timezone.now() - timedelta(days=1)
    assert ServiceStatusChange.objects.get().action == "retirement_set"


BROADCAST_FORM = {
    "title": "DTC 12.5 release weekend",
    "severity": "warning",
    "body": "From 18:00 Thu 27 June the service is restricted.",
    "active_from_0": "2030-06-24",
    "active_from_1": "09:00",
    "active_until_0": "2030-06-30",
    "active_until_1": "23:59",
    "change_reason": "",
    "updates-TOTAL_FORMS": "1",
    "updates-INITIAL_FORMS": "0",
    "updates-MIN_NUM_FORMS": "0",
    "updates-MAX_NUM_FORMS": "1000",
    "updates-0-text": "",
}


def test_a_broadcast_made_in_the_admin_is_audited(client, service_admin):
    login_with_two_factors(client, service_admin)
    response = client.post("/admin/service_status/broadcast/add/", BROADCAST_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    broadcast = Broadcast.objects.get()
    assert broadcast.created_by == service_admin
    change = ServiceStatusChange.objects.get()
    assert (change.action, change.actor, change.reason) == (
        "broadcast_added",
        service_admin,
        "to keep users informed",
    )
    assert "DTC 12.5 release weekend" in change.subject


def test_a_broadcast_that_ends_before_it_starts_is_refused_in_the_admin(client, service_admin):
    login_with_two_factors(client, service_admin)
    response = client.post(
        "/admin/service_status/broadcast/add/",
        BROADCAST_FORM | {"active_until_0": "2030-06-20", "change_reason": "typo"},
    )
    assert response.status_code == 200
    assert "A broadcast must end after it starts" in response.content.decode()
    assert not Broadcast.objects.exists()
    assert not ServiceStatusChange.objects.exists()


def test_an_update_posted_in_the_admin_is_timestamped_and_audited(client, service_admin):
    broadcast = BroadcastFactory(active_from=timezone.now() - timedelta(hours=1))
    login_with_two_factors(client, service_admin)
    response = client.post(
        f"/admin/service_status/broadcast/{broadcast.pk}/change/",
        BROADCAST_FORM
        | {
            "title": broadcast.title,
            "active_from_0": timezone.localtime(broadcast.active_from).strftime("%Y-%m-%d"),
            "active_from_1": timezone.localtime(broadcast.active_from).strftime("%H:%M:%S"),
            "updates-0-text": "all user access restored",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert broadcast.updates.get().text == "all user access restored"
    actions = list(ServiceStatusChange.objects.order_by("pk").values_list("action", "reason"))
    assert actions == [
        ("broadcast_changed", "to keep users informed"),
        ("broadcast_update_posted", "all user access restored"),
    ]


def test_a_broadcast_cannot_be_deleted_in_the_admin(client, service_admin):
    broadcast = BroadcastFactory()
    login_with_two_factors(client, service_admin)
    response = client.post(
        f"/admin/service_status/broadcast/{broadcast.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Broadcast.objects.exists()


PREVIEW_URL = "/admin/service_status/servicestatuschange/preview/"


def test_the_preview_page_rehearses_a_moment_of_the_plan(client, service_admin):
    ServiceWindowFactory(
        mode="offline",
        starts_at=datetime(2030, 6, 28, 18, tzinfo=UK),
        ends_at=datetime(2030, 6, 28, 20, tzinfo=UK),
        reason="deploying updates",
    )
    login_with_two_factors(client, service_admin)
    response = client.get(PREVIEW_URL, {"at": "2030-06-28 18:30"})
    assert response.status_code == 200
    rehearsal = response.context["rehearsal"]
    assert rehearsal.state.mode == "offline"
    rows = {function.name: [a.summary for a in answers] for function, answers in rehearsal.rows}
    assert rows["reports"] == ["503 until 20:00 Fri 28 June"] * 4
    back = "503 until 20:00 Fri 28 June"
    assert rows["sign_in"] == ["works", back, back, "works"]
    assert "deploying updates" in response.content.decode()
    assert not ServiceStatusChange.objects.exists()


def test_staff_who_are_not_service_admins_cannot_exist_nor_preview(client, member):
    member.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()
    client.force_login(member)
    assert client.get(PREVIEW_URL).status_code == 302  # to the admin's login, which refuses
