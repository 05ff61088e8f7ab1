from datetime import timedelta

import pytest
from django.utils import timezone

from service_status.models import RetiredFunction, ServiceOverride
from service_status.queries import status_snapshot
from tests.factories import ServiceWindowFactory, login_with_two_factors

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def restricted():
    now = timezone.now()
    return ServiceWindowFactory(
        mode="restricted",
        starts_at=now - HOUR,
        ends_at=now + 2 * HOUR,
        reason="DTC release",
        message="Search still works.",
    )


@pytest.fixture
def offline():
    now = timezone.now()
    return ServiceWindowFactory(
        mode="offline", starts_at=now - HOUR, ends_at=now + HOUR, reason="deploying"
    )


def test_in_normal_mode_every_page_is_let_through(client, member):
    client.force_login(member)
    assert client.get("/").status_code == 200
    assert client.get("/reports/").status_code == 200


def test_a_restricted_page_says_why_and_until_when(client, member, restricted):
    client.force_login(member)
    response = client.get("/reports/")
    assert response.status_code == 503
    assert 2 * 3600 - 5 <= int(response["Retry-After"]) <= 2 * 3600
    assert "no-cache" in response["Cache-Control"]
    text = response.content.decode()
    assert "Reports is not available" in text
    assert "DTC release" in text
    assert "Search still works." in text
    assert "Expected back at" in text


def test_a_restricted_api_call_answers_in_the_error_shape(client, member, restricted):
    client.force_login(member)
    response = client.get("/api/v1/bulk-searches/")
    body = response.json()
    assert response.status_code == 503
    assert body["error"]["code"] == "service_restricted"
    assert body["error"]["field"] is None
    assert "restricted" in body["error"]["message"]
    assert body["mode"] == "restricted"
    assert body["window"]["reason"] == "DTC release"
    assert body["retry_after"] == int(response["Retry-After"])


def test_search_and_user_management_answer_when_restricted(client, member, restricted):
    client.force_login(member)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/password/change/").status_code == 200
    client.logout()
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/password/reset/").status_code == 200


def test_a_member_cannot_reach_the_admin_when_restricted(client, member, restricted):
    client.force_login(member)
    assert client.get("/admin/").status_code == 503


def test_a_service_admin_keeps_the_admin_when_restricted(client, service_admin, restricted):
    login_with_two_factors(client, service_admin)
    assert client.get("/admin/").status_code == 200


def test_the_offline_page_needs_no_database(client, member, offline, django_assert_num_queries):
    client.force_login(member)
    status_snapshot()  # as it would be, cached by an earlier request
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response.status_code == 503
    assert "The service is offline" in response.content.decode()
    assert "deploying" in response.content.decode()


def test_offline_answers_every_api_call_with_503(client, member, offline):
    client.force_login(member)
    for path in ["/api/v1/metering-points/1/", "/api/v1/reports/", "/api/v1/anything/"]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.json()["error"]["code"] == "service_offline"


def test_health_and_the_status_page_answer_offline(client, offline):
    assert client.get("/health/").status_code == 200
    assert client.get("/service-status/").status_code == 200
    assert client.get("/service-status/feed/").status_code == 200
    assert client.get("/api/v1/service-status/").json()["mode"] == "offline"
    assert client.get("/static/css/ecoes.css").status_code != 503  # whitenoise serves it


def test_service_admins_log_in_when_offline_if_the_setting_allows(
    client, service_admin, offline, settings
):
    settings.SERVICE_STATUS_ADMINS_WHEN_OFFLINE = True
    assert client.get("/accounts/login/").status_code == 200
    # The admin's own login form sends people to the portal's login (with MFA).
    assert client.get("/admin/login/")["Location"].startswith("/accounts/login/")
    login_with_two_factors(client, service_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/").status_code == 503


def test_nobody_logs_in_when_offline_if_the_setting_forbids(
    client, service_admin, offline, settings
):
    settings.SERVICE_STATUS_ADMINS_WHEN_OFFLINE = False
    assert client.get("/accounts/login/").status_code == 503
    login_with_two_factors(client, service_admin)
    assert client.get("/admin/").status_code == 503


@pytest.fixture
def bulk_search_retired():
    return RetiredFunction.objects.create(
        function="bulk_search",
        retired_from=timezone.now() - HOUR,
        message="Use the API's metering-point search instead.",
    )


def test_a_retired_function_answers_410_with_its_message(client, member, bulk_search_retired):
    client.force_login(member)
    page = client.get("/bulk/")
    assert page.status_code == 410
    assert "Use the API&#x27;s metering-point search instead." in page.content.decode()
    api = client.get("/api/v1/bulk-searches/")
    assert api.status_code == 410
    assert api.json()["error"] == {
        "code": "function_retired",
        "message": "Use the API's metering-point search instead.",
        "field": None,
    }
    # The other functions stay up.
    assert client.get("/reports/").status_code == 200


def test_a_retired_function_answers_410_offline_too_and_never_a_retry_after(
    client, member, offline, bulk_search_retired, django_assert_num_queries
):
    client.force_login(member)
    status_snapshot()  # as it would be, cached by an earlier request
    with django_assert_num_queries(0):  # while offline, no database even for a 410
        page = client.get("/bulk/")
    assert page.status_code == 410
    assert "Retry-After" not in page
    assert "Bulk search is no longer available" in page.content.decode()
    api = client.get("/api/v1/bulk-searches/1/")
    assert (api.status_code, api.json()["error"]["code"]) == (410, "function_retired")
    assert "Retry-After" not in api
    # Everything else is offline, with a Retry-After.
    assert client.get("/reports/")["Retry-After"]


def test_a_manual_mode_without_an_end_sends_no_retry_after(client, member):
    ServiceOverride.objects.create(mode="restricted", reason="incident")
    client.force_login(member)
    response = client.get("/api/v1/reports/")
    assert response.status_code == 503
    assert "Retry-After" not in response
    assert response.json()["retry_after"] is None
    assert response.json()["window"]["source"] == "override"


def test_if_the_status_cannot_be_read_the_request_goes_on(client, member, monkeypatch):
    from service_status import queries

    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(queries, "status_snapshot", broken)
    client.force_login(member)
    # The page renders, without banners, rather than failing with the status.
    assert client.get("/reports/").status_code == 200
