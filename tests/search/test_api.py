from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create, api_key_revoke
from search.models import SearchChannel, SearchEvent
from tests.factories import MeterFactory, MeteringPointFactory, mpan_core_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_login(member)
    return client


@pytest.fixture
def key(org_admin):
    api_key, text = api_key_create(
        organisation=org_admin.organisation, name="Billing", created_by=org_admin
    )
    return api_key, text


@pytest.fixture
def key_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key[1]}")
    return client


@pytest.fixture
def point():
    point = MeteringPointFactory(
        profile_class="01", supplier_mpid="OCTO", supplier_date=date(2019, 6, 28)
    )
    MeterFactory(metering_point=point, serial="S95A 12345", meter_type="N")
    return point


def test_the_detail_has_every_group_with_codes_and_meanings(api, point):
    response = api.get(f"/api/v1/metering-points/{point.mpan_core}/")
    assert response.status_code == 200
    body = response.json()
    assert body["mpan_core"] == point.mpan_core
    assert body["settlement"]["profile_class"] == {
        "code": "01",
        "meaning": "Domestic unrestricted",
        "effective_from": None,
    }
    assert body["registration"]["supplier"] == {"mpid": "OCTO", "effective_from": "2019-06-28"}
    assert body["registration"]["distributor"]["meaning"] == "London (LOND)"
    assert body["meters"][0]["serial"] == "S95A 12345"
    assert body["meters"][0]["meter_type"]["meaning"] == "Non-half-hourly"
    assert set(body) >= {"address", "agents", "smart", "related_mpans", "related_mpan_indicator"}


def test_an_unknown_mpan_is_404_in_the_error_shape(api):
    core = mpan_core_for(5)
    response = api.get(f"/api/v1/metering-points/{core}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": f"No metering point found with MPAN core {core}.",
            "field": None,
        }
    }


def test_a_bad_mpan_is_400_naming_the_field(api):
    response = api.get("/api/v1/metering-points/1800021679841/")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "1800021679841 is not a valid MPAN core: the check digit does not match",
            "field": "mpan",
        }
    }


def test_the_list_searches_by_mpan_postcode_with_building_and_serial(api, point):
    MeteringPointFactory(address_line_1="99 High Street")
    by_mpan = api.get("/api/v1/metering-points/", {"mpan": f"S {point.mpan_core}"}).json()
    assert [p["mpan_core"] for p in by_mpan["results"]] == [point.mpan_core]
    by_postcode = api.get("/api/v1/metering-points/", {"postcode": "sw1a1aa"}).json()
    assert by_postcode["count"] == 2
    building = point.address_line_1.split()[0]
    narrowed = api.get("/api/v1/metering-points/", {"postcode": "SW1A 1AA", "building": building})
    assert [p["mpan_core"] for p in narrowed.json()["results"]] == [point.mpan_core]
    by_serial = api.get("/api/v1/metering-points/", {"serial": "s95a12345"}).json()
    assert by_serial["results"][0]["meter_serials"] == ["S95A 12345"]
    assert by_serial["results"][0]["url"].endswith(f"/api/v1/metering-points/{point.mpan_core}/")


def test_the_list_is_paged(api):
    MeteringPointFactory.create_batch(7, postcode="E1 6AN")
    first = api.get("/api/v1/metering-points/", {"postcode": "E1 6AN", "page_size": 5}).json()
    assert first["count"] == 7 and len(first["results"]) == 5 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, None, "Give exactly one of: mpan, postcode (with building), serial, uprn"),
        ({"mpan": "1", "serial": "K01"}, None, "Give exactly one"),
        ({"mpan": "1800021679841"}, "mpan", "the check digit does not match"),
        ({"postcode": "SW1A"}, "postcode", "is not a full postcode"),
        ({"serial": "ABCDEFGHIJKL"}, "serial", "is not a meter serial number"),
    ],
)
def test_bad_list_parameters_are_400_in_the_error_shape(api, params, field, message):
    response = api.get("/api/v1/metering-points/", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    assert error["code"] == "invalid"


def test_anonymous_requests_are_refused(point):
    response = APIClient().get(f"/api/v1/metering-points/{point.mpan_core}/")
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) == {"code", "message", "field"}


def test_an_api_key_authenticates_and_is_recorded(key_client, key, point):
    response = key_client.get(
        f"/api/v1/metering-points/{point.mpan_core}/", REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 200
    event = SearchEvent.objects.get()
    assert event.api_key == key[0]
    assert event.user is None
    assert event.organisation == key[0].organisation
    assert event.channel == SearchChannel.API
    assert event.ip_address == "192.0.2.9"


def test_a_revoked_key_is_refused(key_client, key, org_admin, point):
    api_key_revoke(api_key=key[0], revoked_by=org_admin)
    response = key_client.get(f"/api/v1/metering-points/{point.mpan_core}/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API key is not valid or has been revoked."
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_wrong_key_is_refused(key, point):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key[0].prefix}.not-the-secret")
    assert client.get(f"/api/v1/metering-points/{point.mpan_core}/").status_code == 401


def test_an_api_key_has_its_own_daily_quota(key_client, api, settings, point):
    settings.SEARCH_API_KEY_DAILY_CAP = 2
    settings.SEARCH_DAILY_CAP = 2
    url = f"/api/v1/metering-points/{point.mpan_core}/"
    assert key_client.get(url).status_code == 200
    assert key_client.get(url).status_code == 200
    refused = key_client.get(url)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "daily_cap_reached"
    assert "daily quota of 2 lookups" in refused.json()["error"]["message"]
    assert api.get(url).status_code == 200  # a user's cap is counted apart


def test_the_api_counts_against_the_users_daily_cap(api, settings, point):
    settings.SEARCH_DAILY_CAP = 1
    url = f"/api/v1/metering-points/{point.mpan_core}/"
    assert api.get(url).status_code == 200
    refused = api.get(url)
    assert refused.status_code == 429
    assert "daily limit of 1 lookups" in refused.json()["error"]["message"]


def test_requests_are_throttled_per_user_and_per_key(api, key_client, settings, point):
    settings.SEARCH_API_USER_RATE = "2/minute"
    settings.SEARCH_API_KEY_RATE = "3/minute"
    url = f"/api/v1/metering-points/{point.mpan_core}/"
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert [key_client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = api.get(url)
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_the_schema_documents_the_metering_point_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/metering-points/" in schema["paths"]
    assert "/api/v1/metering-points/{mpan_core}/" in schema["paths"]
    assert "ApiKey" in schema["components"]["securitySchemes"]
    assert "MeteringPointDetail" in schema["components"]["schemas"]


def test_the_interactive_docs_are_served_without_a_cdn(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
    assert "<script>" not in page  # the init script is a separate file (a strict CSP)


def test_the_whole_api_schema_generates_without_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_an_audit_row_outside_a_transaction_commits_without_waiting_and_alone(member):
    """In autocommit the audit row goes in with one statement that turns off the wait
    for the WAL flush for its own transaction only; the connection keeps its setting."""
    from django.db import connection

    from search.models import SearchAction
    from search.parsing import SearchKind, SearchQuery
    from search.services import search_event_record

    event = search_event_record(
        user=member,
        action=SearchAction.DETAIL,
        channel=SearchChannel.API,
        query=SearchQuery(SearchKind.MPAN, mpan_core_for(5)),
        result_count=0,
        ip_address="192.0.2.7",
    )
    stored = SearchEvent.objects.get(pk=event.pk)
    assert (stored.user, stored.organisation_id, stored.kind, stored.ip_address) == (
        member,
        member.organisation_id,
        "mpan",
        "192.0.2.7",
    )
    assert stored.created_at == event.created_at
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


def test_a_results_page_costs_the_same_queries_for_one_point_or_many(api, member_client):
    """A page loads only the summary columns and attaches its meters in one query: no
    field the API or the results page shows may be left to load row by row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(client, url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    lone = MeteringPointFactory(postcode="E1 6AN", postcode_key="E16AN")
    MeterFactory(metering_point=lone)
    api_url, page_url = "/api/v1/metering-points/?postcode=E16AN", "/search/?q=E16AN"
    api.get(api_url), member_client.get(page_url)  # counters and sessions warm
    one = queries(api, api_url), queries(member_client, page_url)
    for _ in range(5):
        point = MeteringPointFactory(postcode="E1 6AN", postcode_key="E16AN")
        MeterFactory(metering_point=point)
        MeterFactory(metering_point=point, removal_date=date(2015, 1, 1))
    assert (queries(api, api_url), queries(member_client, page_url)) == one
    body = api.get(api_url).json()
    assert body["count"] == 6
    assert all(row["meter_serials"] and row["address_lines"] for row in body["results"])


def test_requests_refused_before_the_caps_are_still_throttled(key_client, settings, point):
    """The API's windows are taken with the caps; a request that never reaches them
    (a malformed MPAN) takes its window as it leaves, and is answered 429 past the rate."""
    settings.SEARCH_API_KEY_RATE = "3/minute"
    bad = "/api/v1/metering-points/12345/"
    assert [key_client.get(bad).status_code for _ in range(3)] == [400, 400, 400]
    refused = key_client.get(bad)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    # The window is shared with the lookups: a good one is refused too, and not counted.
    assert key_client.get(f"/api/v1/metering-points/{point.mpan_core}/").status_code == 429
    assert not SearchEvent.objects.exists()
