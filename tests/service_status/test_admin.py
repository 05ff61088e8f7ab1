from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from service_status.models import (
    RetiredFunction,
    ServiceOverride,
    ServiceStatusChange,
    ServiceWindow,
)
from service_status.queries import mode_in_force
from tests.factories import ServiceWindowFactory

pytestmark = pytest.mark.django_db
MODE_URL = "/admin/service_status/servicestatuschange/mode/"


@pytest.fixture
def admin_client_with_csrf(service_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(service_admin)
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


def test_staff_who_are_not_service_admins_cannot_change_the_mode(client, member):
    member.is_staff = True
    member.save()
    client.force_login(member)
    assert client.get(MODE_URL).status_code == 403
    assert client.post(MODE_URL, {"mode": "offline", "reason": "x"}).status_code == 403
    assert client.get("/admin/service_status/servicewindow/").status_code == 403
    assert mode_in_force(fresh=True).mode == "normal"


def test_a_window_added_in_the_admin_is_audited_with_its_reason(client, service_admin):
    client.force_login(service_admin)
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
    client.force_login(service_admin)
    response = client.post(
        f"/admin/service_status/servicewindow/{window.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ServiceWindow.objects.exists()


def test_a_retirement_made_in_the_admin_is_audited(client, service_admin):
    client.force_login(service_admin)
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
