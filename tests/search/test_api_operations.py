"""The API operations parties' systems call: technical details by MPAN, address search
with structured parameters, related MPANs, and the batch form (each set counted)."""

import pytest

from accounts.roles import MarketRole
from accounts.services import api_key_create
from registry.services import address_words_refresh
from search.models import SearchAction, SearchEvent
from tests.factories import (
    MeteringPointFactory,
    OrganisationFactory,
    RelatedMpanFactory,
    UserFactory,
    mpan_core_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, member):
    _, key = api_key_create(organisation=member.organisation, name="billing", created_by=member)
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


@pytest.fixture
def mill(db):
    point = MeteringPointFactory(
        address_line_1="12 Mill Lane",
        address_line_2="Headingley",
        address_line_3="Leeds",
        postcode="LS6 2AB",
    )
    address_words_refresh()
    return point


def batch(api, operation, parameters):
    return api.post(
        "/api/v1/metering-points/batch/",
        {"operation": operation, "parameters": parameters},
        content_type="application/json",
    )


def test_address_search_takes_the_structured_parameters(api, mill):
    response = api.get(
        "/api/v1/metering-points/", {"building": "12", "street": "Mill Lane", "town": "Leeds"}
    )
    assert response.status_code == 200
    assert [row["mpan_core"] for row in response.json()["results"]] == [mill.mpan_core]
    event = SearchEvent.objects.get()
    assert (event.kind, event.channel, event.action) == ("address", "api", SearchAction.SEARCH)


def test_address_search_takes_free_text_and_uprn(api, mill):
    mill.uprn = "100023336956"
    mill.save()
    address_words_refresh()
    response = api.get("/api/v1/metering-points/", {"address": "12 Mill Lane, Leeds"})
    assert [row["mpan_core"] for row in response.json()["results"]] == [mill.mpan_core]
    response = api.get("/api/v1/metering-points/", {"uprn": "100023336956"})
    assert [row["mpan_core"] for row in response.json()["results"]] == [mill.mpan_core]


def test_a_town_alone_is_refused_with_what_to_add(api, mill):
    response = api.get("/api/v1/metering-points/", {"town": "Leeds"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert "A town alone matches too many addresses: add a street" in error["message"]
    assert not SearchEvent.objects.exists()


def test_two_kinds_of_search_at_once_are_refused(api, mill):
    response = api.get("/api/v1/metering-points/", {"serial": "K1", "street": "Mill Lane"})
    assert response.status_code == 400
    assert "Given: serial, structured address" in response.json()["error"]["message"]


def test_related_mpans_of_a_point(api, mill):
    export = MeteringPointFactory(postcode="LS6 2AB")
    RelatedMpanFactory(metering_point=mill, related=export)
    response = api.get(f"/api/v1/metering-points/{mill.mpan_core}/related/")
    assert response.status_code == 200
    body = response.json()
    assert body["mpan_core"] == mill.mpan_core
    assert [link["mpan_core"] for link in body["related_mpans"]] == [export.mpan_core]
    assert SearchEvent.objects.get().action == SearchAction.DETAIL


def test_related_mpans_of_an_unknown_point_is_404_and_counted(api):
    response = api.get(f"/api/v1/metering-points/{mpan_core_for(5)}/related/")
    assert response.status_code == 404
    assert SearchEvent.objects.get().result_count == 0


def test_a_meter_asset_provider_is_refused_related_mpans(client, mill):
    organisation = OrganisationFactory(role_codes=MarketRole.METER_ASSET_PROVIDER)
    client.force_login(UserFactory(organisation=organisation))
    response = client.get(f"/api/v1/metering-points/{mill.mpan_core}/related/")
    assert response.status_code == 403
    assert "does not see related MPANs" in response.json()["error"]["message"]
    assert not SearchEvent.objects.exists()


def test_a_batch_answers_each_set_in_order_and_counts_each(api, mill):
    response = batch(
        api,
        "technical_details",
        [{"mpan": mill.mpan_core}, {"mpan": "1800021679841"}, {"mpan": mpan_core_for(5)}],
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["status"] for result in results] == [200, 400, 404]
    assert results[0]["result"]["mpan_core"] == mill.mpan_core
    assert "check digit" in results[1]["error"]["message"]
    assert results[1]["error"]["field"] == "mpan"
    # The bad MPAN is refused before any lookup; the other two are lookups.
    assert SearchEvent.objects.count() == 2


def test_a_batch_of_address_searches(api, mill):
    response = batch(
        api,
        "address_search",
        [
            {"building": "12", "street": "Mill Lane", "town": "Leeds"},
            {"postcode": "LS6 2AB"},
            {"town": "Leeds"},
        ],
    )
    results = response.json()["results"]
    assert [result["status"] for result in results] == [200, 200, 400]
    assert results[0]["result"]["count"] == 1
    assert results[0]["result"]["results"][0]["mpan_core"] == mill.mpan_core
    assert SearchEvent.objects.count() == 2


def test_a_batch_of_related_mpans(api, mill):
    response = batch(api, "related_mpans", [{"mpan": mill.mpan_core}])
    assert response.json()["results"][0]["result"]["related_mpans"] == []


def test_a_batch_stops_at_the_daily_cap(api, mill, settings):
    settings.SEARCH_API_KEY_DAILY_CAP = 2
    response = batch(api, "technical_details", [{"mpan": mill.mpan_core}] * 4)
    assert [result["status"] for result in response.json()["results"]] == [200, 200, 429, 429]
    assert SearchEvent.objects.count() == 2


def test_a_client_over_its_rate_gets_no_set_of_a_batch(api, mill, settings):
    """The rate limit is taken once per batch, before any set runs: over the rate, the
    whole call is refused and nothing is looked up (a window left to the first set's
    caps would have refused that set alone and let the others through)."""
    settings.SEARCH_API_KEY_RATE = "2/minute"
    single = f"/api/v1/metering-points/{mill.mpan_core}/"
    assert [api.get(single).status_code for _ in range(2)] == [200, 200]
    response = batch(api, "technical_details", [{"mpan": mill.mpan_core}] * 3)
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert SearchEvent.objects.count() == 2


def test_a_batch_counts_once_against_the_rate(api, mill, settings):
    settings.SEARCH_API_KEY_RATE = "2/minute"
    response = batch(api, "technical_details", [{"mpan": mill.mpan_core}] * 3)
    assert [result["status"] for result in response.json()["results"]] == [200, 200, 200]
    assert api.get(f"/api/v1/metering-points/{mill.mpan_core}/").status_code == 200
    assert api.get(f"/api/v1/metering-points/{mill.mpan_core}/").status_code == 429


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"operation": "technical_details", "parameters": []}, "at least 1"),
        (
            {"operation": "technical_details", "parameters": [{"mpan": "1"}] * 101},
            "no more than 100",
        ),
        ({"operation": "delete_everything", "parameters": [{}]}, "is not a valid choice"),
    ],
)
def test_a_bad_batch_is_refused_whole(api, body, message):
    response = api.post("/api/v1/metering-points/batch/", body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not SearchEvent.objects.exists()


def test_a_batch_needs_a_key_or_a_session(client):
    response = batch(client, "technical_details", [{"mpan": mpan_core_for(1)}])
    assert response.status_code == 401


def test_the_openapi_document_describes_each_operation(client, member):
    client.force_login(member)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "metering_point_detail",
        "metering_points_search",
        "metering_point_related_mpans",
        "metering_points_batch",
    } <= operations
    search = schema["paths"]["/api/v1/metering-points/"]["get"]
    names = {parameter["name"] for parameter in search["parameters"]}
    assert {"street", "town", "locality", "sub_building", "uprn", "address"} <= names


def test_an_api_address_search_cannot_reach_past_the_cap(api, settings):
    settings.SEARCH_ADDRESS_MAX_RESULTS = 3
    for n in range(6):
        MeteringPointFactory(address_line_1=f"{n + 1} Long Row", address_line_2="Leeds")
    address_words_refresh()
    response = api.get(
        "/api/v1/metering-points/", {"street": "Long Row", "town": "Leeds", "page_size": 500}
    )
    body = response.json()
    assert (body["count"], len(body["results"])) == (3, 3)
    assert (
        api.get("/api/v1/metering-points/", {"address": "Long Row, Leeds", "page": 2}).status_code
        == 404
    )
    response = batch(api, "address_search", [{"street": "Long Row", "town": "Leeds"}])
    assert response.json()["results"][0]["result"]["count"] == 3
