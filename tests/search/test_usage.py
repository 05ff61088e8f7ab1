from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")


def searches(user, client, count, when):
    client.force_login(user)
    with time_machine.travel(when, tick=False):
        for _ in range(count):
            client.get("/search/", {"q": "SW1A 1AA"})


@pytest.fixture
def usage(client, member, organisation, other_organisation):
    colleague = UserFactory(organisation=organisation, email="colleague@orga.example")
    stranger = UserFactory(organisation=other_organisation, email="stranger@orgb.example")
    searches(member, client, 2, datetime(2019, 6, 27, 9, tzinfo=UK))
    searches(member, client, 1, datetime(2019, 6, 28, 9, tzinfo=UK))
    searches(colleague, client, 4, datetime(2019, 6, 28, 10, tzinfo=UK))
    searches(stranger, client, 5, datetime(2019, 6, 28, 11, tzinfo=UK))
    client.logout()


PERIOD = {"date_from": "2019-06-27", "date_to": "2019-06-28"}


def test_an_organisation_admin_sees_usage_per_user_and_per_day_of_their_organisation(
    client, usage, org_admin
):
    client.force_login(org_admin)
    response = client.get("/search/usage/", PERIOD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>colleague@orga.example</td><td>4</td>" in page
    assert "<td>member@orga.example</td><td>3</td>" in page
    assert "<td>27/06/2019</td>" in page and "<td>28/06/2019</td>" in page
    assert "stranger@orgb.example" not in page
    rows = response.context["rows"]
    assert [(r.day.isoformat(), r.user, r.total) for r in rows] == [
        ("2019-06-28", "colleague@orga.example", 4),
        ("2019-06-28", "member@orga.example", 1),
        ("2019-06-27", "member@orga.example", 2),
    ]


def test_a_service_admin_sees_every_organisation(client, usage, service_admin):
    client.force_login(service_admin)
    page = client.get("/search/usage/", PERIOD).content.decode()
    assert "stranger@orgb.example" in page and "member@orga.example" in page
    only_b = client.get("/search/usage/", {**PERIOD, "organisation": "ORGB"}).content.decode()
    assert "stranger@orgb.example" in only_b and "member@orga.example" not in only_b


def test_a_plain_member_may_not_see_usage(client, usage, member):
    client.force_login(member)
    assert client.get("/search/usage/").status_code == 403


def test_the_period_excludes_other_days(client, usage, org_admin):
    client.force_login(org_admin)
    rows = client.get("/search/usage/", {"date_from": "2019-06-27", "date_to": "2019-06-27"})
    assert [r.total for r in rows.context["rows"]] == [2]


def test_usage_shows_bulk_search_points_and_what_was_counted(client, org_admin, member):
    from search.models import SearchAction, SearchChannel
    from search.parsing import SearchKind, SearchQuery
    from search.services import search_event_record

    for action, lookups in ((SearchAction.BULK, 40), (SearchAction.EXPORT, 7)):
        search_event_record(
            user=member,
            action=action,
            channel=SearchChannel.WEB,
            query=SearchQuery(SearchKind.MPAN, "bulk search 1"),
            result_count=lookups,
            ip_address=None,
            lookups=lookups,
        )
    client.force_login(org_admin)
    (row,) = client.get("/search/usage/").context["rows"]
    assert (row.exports, row.bulk_points, row.counted) == (1, 40, 47)
