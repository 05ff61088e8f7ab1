"""Every /api/ answer, errors included, is `Cache-Control: no-store` (issue 14, item 12)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ServiceWindowFactory
from tests.security.conftest import client_as
from tests.security.routes import all_routes, fill
from tests.security.test_authorization_matrix import _values

API_ROUTES = [route for route in all_routes() if route.route.startswith("api/")]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member_a", "member_b"])
def test_every_api_url_answers_no_store_for_every_role(world, role):
    client = client_as(world, role)
    seen = set()
    for route in API_ROUTES:
        url = fill(route.route, _values(world, route))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            seen.add(response.status_code)
            assert response["Cache-Control"] == "no-store", (method, url, response.status_code)
    # Answers and refusals alike were seen.
    assert len(seen) > 1 and any(status >= 400 for status in seen), seen


@pytest.mark.django_db
def test_an_unknown_api_url_and_a_csrf_refusal_are_no_store_too(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    unknown = client.get("/api/v1/no-such-thing/")
    assert (unknown.status_code, unknown["Cache-Control"]) == (404, "no-store")
    refused = client.post("/api/v1/bulk-searches/", {"kind": "mpan", "text": "x"})
    assert (refused.status_code, refused["Cache-Control"]) == (403, "no-store")


@pytest.mark.django_db
def test_the_service_status_refusal_of_the_api_is_no_store(member, settings):
    now = timezone.now()
    ServiceWindowFactory(
        mode="offline", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    client = Client()
    client.force_login(member)
    response = client.get("/api/v1/metering-points/", {"q": "SW1A 1AA"})
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
