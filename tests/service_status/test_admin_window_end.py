"""The admin's "End this window now": confirmed on a page, with a reason, audited (issue 17)."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from service_status import services
from service_status.models import ServiceStatusChange, ServiceWindow
from service_status.queries import mode_in_force
from tests.factories import ServiceWindowFactory, login_with_two_factors

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def end_url(window) -> str:
    return f"/admin/service_status/servicewindow/{window.pk}/end/"


@pytest.fixture
def desk(service_admin):
    client = Client(enforce_csrf_checks=True)
    login_with_two_factors(client, service_admin)
    return client


@pytest.fixture
def active_window():
    now = timezone.now()
    return ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + HOUR)


@pytest.fixture
def upcoming_window():
    now = timezone.now()
    return ServiceWindowFactory(mode="restricted", starts_at=now + 2 * HOUR, ends_at=now + 5 * HOUR)


def confirm(client, window, **data):
    """GET the confirmation page, then POST its form with its CSRF token."""
    page = client.get(end_url(window))
    assert page.status_code == 200
    return client.post(end_url(window), {"csrfmiddlewaretoken": page.context["csrf_token"], **data})


def test_the_page_says_what_will_happen_and_a_get_changes_nothing(desk, active_window):
    ends_at = active_window.ends_at
    response = desk.get(end_url(active_window), {"reason": "sneaky"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>End this window now</h1>" in page
    assert "The window ends now" in page
    assert "The service returns to normal" in page
    assert "The banner saying the service is offline goes from every page." in page
    assert 'for="id_reason"' in page and 'name="reason"' in page
    assert '<button type="submit" class="button-warning">End the window</button>' in page
    change_url = f"/admin/service_status/servicewindow/{active_window.pk}/change/"
    assert f'href="{change_url}">Cancel</a>' in page
    active_window.refresh_from_db()
    assert active_window.ends_at == ends_at
    assert not ServiceStatusChange.objects.exists()
    assert mode_in_force(fresh=True).mode == "offline"


def test_the_page_names_the_mode_that_stays_when_another_window_is_active(desk, active_window):
    now = timezone.now()
    ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + 3 * HOUR)
    page = desk.get(end_url(active_window)).content.decode()
    assert "The service is then restricted" in page
    assert "The banner changes to say the service is restricted." in page


def test_a_post_without_a_reason_is_refused_and_changes_nothing(desk, active_window):
    ends_at = active_window.ends_at
    for reason in ["", "   "]:
        response = confirm(desk, active_window, reason=reason)
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count("Enter why you are ending the window") == 2  # summary and field
        assert '<a href="#id_reason">' in page
        assert "<title>Error: " in page
        assert 'aria-invalid="true"' in page
    active_window.refresh_from_db()
    assert active_window.ends_at == ends_at
    assert not ServiceStatusChange.objects.exists()
    assert mode_in_force(fresh=True).mode == "offline"


def test_a_post_with_a_reason_ends_the_window_now_and_is_audited(
    desk, active_window, service_admin
):
    before = timezone.now()
    response = confirm(desk, active_window, reason="deployment finished early")
    assert response.status_code == 302
    assert response["Location"] == "/admin/service_status/servicewindow/"
    active_window.refresh_from_db()
    assert before <= active_window.ends_at <= timezone.now()
    assert mode_in_force(fresh=True).mode == "normal"
    change = ServiceStatusChange.objects.get()
    assert (change.action, change.actor, change.reason) == (
        "window_changed",
        service_admin,
        "deployment finished early",
    )
    assert (change.mode_before, change.mode_after) == ("offline", "normal")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        f"Window #{active_window.pk} has ended. The service is now normal. "
        "The change is in the service status audit."
    ]


def test_an_upcoming_window_is_called_off_and_is_audited(desk, upcoming_window, service_admin):
    page = desk.get(end_url(upcoming_window)).content.decode()
    assert "ending it now calls it off" in page
    assert "The banner announcing it" in page
    response = confirm(desk, upcoming_window, reason="release postponed")
    assert response.status_code == 302
    assert not ServiceWindow.objects.exists()
    change = ServiceStatusChange.objects.get()
    assert (change.action, change.actor, change.reason) == (
        "window_removed",
        service_admin,
        "release postponed",
    )
    assert change.subject.endswith("called off before it started")
    assert (change.mode_before, change.mode_after) == ("normal", "normal")


def test_a_window_that_has_ended_is_refused_and_nothing_changes(desk):
    now = timezone.now()
    window = ServiceWindowFactory(starts_at=now - 3 * HOUR, ends_at=now - HOUR)
    ends_at = window.ends_at
    change_url = f"/admin/service_status/servicewindow/{window.pk}/change/"
    response = desk.get(end_url(window))
    assert (response.status_code, response["Location"]) == (302, change_url)
    token = desk.get(change_url).context["csrf_token"]
    response = desk.post(end_url(window), {"reason": "again", "csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, change_url)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("already ended" in text and "nothing was changed" in text for text in shown)
    window.refresh_from_db()
    assert window.ends_at == ends_at
    assert not ServiceStatusChange.objects.exists()
    # Its change page offers no "End this window now".
    assert "End this window now" not in desk.get(change_url).content.decode()


def test_the_change_page_and_the_list_offer_the_action_for_current_and_upcoming_windows(
    desk, active_window, upcoming_window
):
    for window in (active_window, upcoming_window):
        page = desk.get(f"/admin/service_status/servicewindow/{window.pk}/change/")
        assert f'href="{end_url(window)}">End this window now</a>' in page.content.decode()
    listing = desk.get("/admin/service_status/servicewindow/").content.decode()
    assert end_url(active_window) in listing and end_url(upcoming_window) in listing


def test_a_post_without_the_csrf_token_is_refused(desk, active_window):
    response = desk.post(end_url(active_window), {"reason": "x"})
    assert response.status_code == 403
    assert not ServiceStatusChange.objects.exists()


def test_someone_who_is_not_a_service_admin_is_refused(client, member, org_admin, upcoming_window):
    # An upcoming window: while one is offline, only service admins reach the portal.
    window = upcoming_window
    ends_at = window.ends_at
    member.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()  # staff status needs the service-admin role
    for user in (member, org_admin):
        client.force_login(user)
        assert client.get(end_url(window)).status_code == 302  # to the admin's login
        response = client.post(end_url(window), {"reason": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    window.refresh_from_db()
    assert window.ends_at == ends_at
    assert not ServiceStatusChange.objects.exists()


def test_a_service_admin_without_the_role_check_is_refused_403(rf, service_admin, active_window):
    """The view checks the role itself, not only the admin site's staff gate."""
    from django.contrib import admin

    view = admin.site._registry[ServiceWindow].end_view
    request = rf.post(end_url(active_window), {"reason": "x"})
    request.user = service_admin
    service_admin.role = "user"  # not a service admin any more (unsaved)
    service_admin.is_superuser = False
    with pytest.raises(PermissionDenied):
        view(request, str(active_window.pk))
    assert not ServiceStatusChange.objects.exists()


def test_the_service_refuses_a_window_that_has_ended_or_gone(service_admin):
    now = timezone.now()
    window = ServiceWindowFactory(starts_at=now - 3 * HOUR, ends_at=now - HOUR)
    with pytest.raises(services.ServiceStatusError, match="already ended"):
        services.service_window_end(window=window, reason="x", actor=service_admin)
    gone = ServiceWindowFactory(starts_at=now + HOUR, ends_at=now + 2 * HOUR)
    ServiceWindow.objects.filter(pk=gone.pk).delete()
    with pytest.raises(services.ServiceStatusError, match="no longer exists"):
        services.service_window_end(window=gone, reason="x", actor=service_admin)
    with pytest.raises(services.ServiceStatusError, match="Give a reason"):
        services.service_window_end(window=window, reason=" ", actor=service_admin)
    assert not ServiceStatusChange.objects.exists()
