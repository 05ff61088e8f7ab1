"""Logging in, as the service status sees it: while offline only service admins log in,
and nobody else gets a session (service_status.adapters)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import TEST_PASSWORD, ServiceWindowFactory

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def restricted():
    now = timezone.now()
    return ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + HOUR)


@pytest.fixture
def offline():
    now = timezone.now()
    return ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + HOUR)


def _log_in(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})


def test_offline_a_user_who_logs_in_gets_the_offline_page_and_no_session(client, member, offline):
    sessions_before = Session.objects.count()
    assert client.get("/accounts/login/").status_code == 200  # nobody is known yet
    response = _log_in(client, member)
    assert response.status_code == 503
    assert "The service is offline" in response.content.decode()
    assert Session.objects.count() == sessions_before
    assert "sessionid" not in response.cookies or not response.cookies["sessionid"].value
    assert client.get("/").status_code == 503


def test_offline_a_service_admin_logs_in_on_to_the_second_factor(client, service_admin, offline):
    response = _log_in(client, service_admin)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/accounts/2fa/authenticate/").status_code == 200


def test_offline_existing_sessions_are_kept_but_every_request_is_refused(client, member, offline):
    client.force_login(member)
    session_key = client.session.session_key
    for path in ["/", "/accounts/logout/", "/accounts/login/", "/accounts/password/change/"]:
        assert client.get(path).status_code == 503, path
    assert Session.objects.filter(session_key=session_key).exists()


def test_restricted_a_user_logs_in(client, member, restricted):
    response = _log_in(client, member)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200
