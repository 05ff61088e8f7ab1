from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from service_status import services
from service_status.models import RetiredFunction
from tests.factories import BroadcastFactory, ServiceWindowFactory

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)


@pytest.fixture
def friday_evening():
    with time_machine.travel(datetime(2019, 6, 28, 18, 51, tzinfo=UK), tick=False):
        yield timezone.now()


@pytest.fixture
def weekend_broadcast(friday_evening):
    broadcast = BroadcastFactory(
        title="DTC 12.5 release weekend",
        body="The service is restricted.",
        active_from=friday_evening - 2 * HOUR,
    )
    services.broadcast_update_post(
        broadcast=broadcast, text="all user access restored", actor_label="ops"
    )
    return broadcast


def test_the_status_page_is_public_and_in_uk_time(client, weekend_broadcast):
    ServiceWindowFactory(
        mode="restricted",
        starts_at=datetime(2019, 6, 28, 20, 0, tzinfo=UK),
        ends_at=datetime(2019, 6, 29, 8, 0, tzinfo=UK),
        reason="DTC 12.5",
    )
    text = client.get("/service-status/").content.decode()
    assert "Now: Normal" in text
    assert "Restricted from 20:00 Fri 28 June to 08:00 Sat 29 June" in text
    assert "Update (28/06/2019 18:51): all user access restored" in text


def test_a_targeted_broadcast_is_not_on_the_public_page(client, organisation):
    broadcast = BroadcastFactory(title="Only for organisation A")
    broadcast.organisations.set([organisation])
    assert "Only for organisation A" not in client.get("/service-status/").content.decode()


def test_the_feed_is_atom_with_the_updates(client, weekend_broadcast):
    response = client.get("/service-status/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "<title>DTC 12.5 release weekend</title>" in text
    assert "Update (28/06/2019 18:51): all user access restored" in text
    assert "<updated>2019-06-28T18:51:00+01:00</updated>" in text


def test_the_api_answers_anyone_in_json(client, weekend_broadcast):
    RetiredFunction.objects.create(
        function="d0312_maintenance",
        retired_from=datetime(2019, 6, 27, 18, 0, tzinfo=UK),
        message="Use MPAS.",
    )
    body = client.get("/api/v1/service-status/").json()
    assert body["mode"] == "normal"
    assert body["window"] is None
    assert body["retired_functions"][0]["retired_from"] == "2019-06-27T18:00:00+01:00"
    assert body["broadcasts"][0]["updates"] == [
        {"posted_at": "2019-06-28T18:51:00+01:00", "text": "all user access restored"}
    ]


def test_the_api_names_the_window_in_force(client, friday_evening):
    ServiceWindowFactory(
        mode="offline", starts_at=friday_evening - HOUR, ends_at=friday_evening + HOUR
    )
    body = client.get("/api/v1/service-status/").json()
    assert body["mode"] == "offline"
    assert body["until"] == "2019-06-28T19:51:00+01:00"


def test_the_api_says_what_works_now_for_a_client_without_a_login(client, friday_evening):
    ServiceWindowFactory(
        mode="restricted", starts_at=friday_evening - HOUR, ends_at=friday_evening + 13 * HOUR
    )
    RetiredFunction.objects.create(
        function="bulk_search", retired_from=friday_evening - HOUR, message="gone"
    )
    functions = {
        f["function"]: f for f in client.get("/api/v1/service-status/").json()["functions"]
    }
    assert functions["primary_search"] == {
        "function": "primary_search",
        "label": "Primary search, results and metering-point detail",
        "status": 200,
        "available_from": None,
    }
    assert functions["reports"]["status"] == 503
    assert functions["reports"]["available_from"] == "2019-06-29T07:51:00+01:00"
    assert (functions["bulk_search"]["status"], functions["bulk_search"]["available_from"]) == (
        410,
        None,
    )
    assert functions["admin"]["status"] == 503  # not for a client without a login


def test_a_post_to_the_status_api_changes_nothing(client):
    assert client.post("/api/v1/service-status/", {"mode": "offline"}).status_code == 405
    assert client.post("/service-status/", {"mode": "offline"}).status_code == 405


def test_links_to_a_retired_function_can_be_hidden(member):
    RetiredFunction.objects.create(
        function="d0312_maintenance", retired_from=timezone.now() - HOUR, message="gone"
    )
    template = Template(
        "{% load service_status %}"
        "{% function_is_available 'd0312_maintenance' as d0312 %}"
        "{% function_is_available 'reports' as reports %}"
        "{% if d0312 %}D0312{% endif %}{% if reports %}Reports{% endif %}"
        "{% if service_status.available.bulk_search %}Bulk{% endif %}"
    )
    request = RequestFactory().get("/")
    request.user = member
    from service_status.context_processors import service_status

    context = Context({"request": request, **service_status(request)})
    assert template.render(context) == "ReportsBulk"


def test_links_to_functions_that_the_mode_stops_can_be_hidden(member):
    now = timezone.now()
    ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + HOUR)
    template = Template(
        "{% load service_status %}{% function_is_available 'reports' as reports %}"
        "{% function_is_available 'primary_search' as search %}"
        "{% if reports %}Reports{% endif %}{% if search %}Search{% endif %}"
    )
    request = RequestFactory().get("/")
    request.user = member
    assert template.render(Context({"request": request})) == "Search"
