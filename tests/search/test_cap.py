from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from search.models import SearchEvent
from search.queries import uk_day_start
from tests.factories import MeteringPointFactory, UserFactory

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")


@pytest.fixture
def cap_of_three(settings):
    settings.SEARCH_DAILY_CAP = 3


def search(client, q="SW1A 1AA"):
    return client.get("/search/", {"q": q})


def test_the_search_after_the_cap_is_refused_with_a_clear_message(member_client, cap_of_three):
    for _ in range(3):
        assert search(member_client).status_code == 200
    response = search(member_client)
    assert response.status_code == 429
    assert "You have reached your daily limit of 3 lookups" in response.content.decode()
    assert "You can search again from midnight, UK time." in response.content.decode()
    assert SearchEvent.objects.count() == 3


def test_detail_views_and_exports_count_against_the_cap(member_client, cap_of_three):
    point = MeteringPointFactory()
    search(member_client)
    member_client.get(f"/metering-points/{point.mpan_core}/")
    assert b"".join(member_client.get("/search/export.csv", {"q": "SW1A 1AA"}).streaming_content)
    assert member_client.get(f"/metering-points/{point.mpan_core}/").status_code == 429
    assert member_client.get("/search/export.csv", {"q": "SW1A 1AA"}).status_code == 429


def test_the_cap_is_per_user(member_client, cap_of_three, organisation, client):
    for _ in range(3):
        search(member_client)
    colleague = UserFactory(organisation=organisation)
    client.force_login(colleague)
    assert search(client).status_code == 200


def test_the_cap_resets_at_uk_midnight_not_utc_midnight(member_client, cap_of_three):
    # 23:30 UK summer time is 22:30 UTC: the same UK day until 00:00 UK (23:00 UTC).
    with time_machine.travel(datetime(2019, 6, 27, 23, 30, tzinfo=UK), tick=False):
        for _ in range(3):
            search(member_client)
        assert search(member_client).status_code == 429
    with time_machine.travel(datetime(2019, 6, 27, 23, 59, 59, tzinfo=UK), tick=False):
        assert search(member_client).status_code == 429
    with time_machine.travel(datetime(2019, 6, 28, 0, 0, 1, tzinfo=UK), tick=False):
        assert search(member_client).status_code == 200


def test_the_uk_day_starts_at_local_midnight_in_winter_and_summer():
    winter = datetime(2019, 1, 15, 0, 30, tzinfo=ZoneInfo("UTC"))
    summer = datetime(2019, 6, 27, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert uk_day_start(winter) == datetime(2019, 1, 15, tzinfo=UK)
    assert uk_day_start(summer) == datetime(2019, 6, 28, tzinfo=UK)


def test_the_count_survives_a_flushed_cache(member_client, cap_of_three):
    """The cache only keeps the count; the audit rows are the record, and a counter
    lost with Redis (restart, flush, eviction) is counted again from them."""
    from django.core.cache import cache

    for _ in range(2):
        assert search(member_client).status_code == 200
    cache.clear()
    assert search(member_client).status_code == 200
    assert search(member_client).status_code == 429
    assert SearchEvent.objects.count() == 3


def test_lookups_made_before_the_first_check_of_the_day_count(member, member_client, cap_of_three):
    from search.models import SearchAction, SearchChannel
    from search.parsing import SearchKind, SearchQuery
    from search.services import search_event_record

    for _ in range(3):  # e.g. made by another server before this one's counter existed
        search_event_record(
            user=member,
            action=SearchAction.SEARCH,
            channel=SearchChannel.WEB,
            query=SearchQuery(SearchKind.POSTCODE, "SW1A1AA"),
            result_count=1,
            ip_address=None,
        )
    assert search(member_client).status_code == 429


def test_an_export_counts_the_rows_it_returns(member_client, member, settings):
    settings.SEARCH_DAILY_CAP = 5
    MeteringPointFactory.create_batch(4, postcode="E1 6AN")
    assert member_client.get("/search/export.csv", {"q": "E1 6AN"}).status_code == 200
    event = SearchEvent.objects.get()
    assert (event.result_count, event.lookups) == (4, 4)
    assert search(member_client).status_code == 200
    assert search(member_client).status_code == 429


def test_an_export_larger_than_what_is_left_is_refused_whole(member_client, settings):
    settings.SEARCH_DAILY_CAP = 5
    MeteringPointFactory.create_batch(4, postcode="E1 6AN")
    search(member_client)
    search(member_client)
    response = member_client.get("/search/export.csv", {"q": "E1 6AN"})
    assert response.status_code == 429
    assert "This would disclose 4 metering points, more than the 3 lookups left today." in (
        response.content.decode()
    )
    assert SearchEvent.objects.count() == 2


def test_the_organisation_cap_counts_all_its_users(
    member_client, organisation, other_organisation, client, settings
):
    settings.SEARCH_ORGANISATION_DAILY_CAP = 3
    for _ in range(2):
        search(member_client)
    colleague = UserFactory(organisation=organisation)
    client.force_login(colleague)
    assert search(client).status_code == 200
    response = search(client)
    assert response.status_code == 429
    assert "Your organisation has reached its daily limit of 3 lookups" in (
        response.content.decode()
    )
    client.force_login(UserFactory(organisation=other_organisation))
    assert search(client).status_code == 200


def test_at_the_cap_an_mpan_search_does_not_tell_whether_the_point_exists(
    member_client, cap_of_three
):
    point = MeteringPointFactory()
    for _ in range(3):
        search(member_client)
    found = search(member_client, point.mpan_core)
    missing = search(member_client, "1800021679848")
    assert (found.status_code, missing.status_code) == (429, 429)
    assert SearchEvent.objects.count() == 3


def test_at_the_cap_an_export_does_not_tell_how_many_points_it_would_hold(
    member_client, settings, cap_of_three
):
    settings.SEARCH_EXPORT_MAX_ROWS = 1
    MeteringPointFactory.create_batch(2, postcode="E1 6AN")
    for _ in range(3):
        search(member_client)
    response = member_client.get("/search/export.csv", {"q": "E1 6AN"})
    assert response.status_code == 429
    assert "found 2" not in response.content.decode()
