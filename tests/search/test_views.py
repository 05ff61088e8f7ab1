import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from search.models import SearchAction, SearchChannel, SearchEvent
from tests.factories import (
    MeterFactory,
    MeteringPointFactory,
    RelatedMpanFactory,
    mpan_core_for,
    point_with_every_field,
)

pytestmark = pytest.mark.django_db


def csv_rows(response: StreamingHttpResponse) -> list[list[str]]:
    # Consuming the stream is enough: the test client closes the response at its end
    # (closing it again would fire request_finished and drop the test's connection).
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_home_page_is_the_search_box(member_client):
    response = member_client.get("/")
    assert response.status_code == 200
    assert b'name="q"' in response.content
    assert b'action="/search/"' in response.content


def test_search_needs_a_login(client):
    response = client.get("/search/", {"q": "SW1A 1AA"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_single_exact_mpan_match_goes_straight_to_the_detail(member_client):
    point = MeteringPointFactory()
    core = point.mpan_core
    spaced = f"{core[:2]} {core[2:6]} {core[6:10]} {core[10:]}"
    response = member_client.get("/search/", {"q": spaced})
    assert response.status_code == 302
    assert response["Location"] == f"/metering-points/{core}/"


def test_a_postcode_search_shows_the_results_table(member_client):
    point = MeteringPointFactory(address_line_1="10 High Street", supplier_mpid="OCTO")
    MeterFactory(metering_point=point, serial="S95A 12345")
    MeterFactory(metering_point=point, serial="OLD1", removal_date=date(2019, 1, 2))
    response = member_client.get("/search/", {"q": "sw1a1aa"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 metering point for SW1A 1AA" in page
    for text in [point.mpan_core, "10 High Street, London", "SW1A 1AA", "OCTO", "Energised"]:
        assert text in page
    assert "S95A 12345, OLD1 (removed)" in page


def test_nothing_found_is_said_plainly(member_client):
    response = member_client.get("/search/", {"q": "SW1A 1AA"})
    assert "No metering points found for SW1A 1AA." in response.content.decode()


def test_an_unknown_mpan_is_nothing_found_not_a_redirect(member_client):
    response = member_client.get("/search/", {"q": mpan_core_for(42)})
    assert response.status_code == 200
    assert "No metering points found" in response.content.decode()


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Type an MPAN core, a postcode, an address or a meter serial number."),
        ("1800021679841", "1800021679841 is not a valid MPAN core: the check digit does not match"),
        ("ABCDEFGHIJKL", "is not an MPAN core, a full postcode"),
        ("Leeds,", "alone matches too many addresses: add a street"),
    ],
)
def test_a_bad_search_shows_a_clear_message_and_is_not_recorded(member_client, q, message):
    response = member_client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SearchEvent.objects.exists()


def test_a_large_postcode_has_pages(member_client):
    MeteringPointFactory.create_batch(120, postcode="E1 6AN")
    response = member_client.get("/search/", {"q": "E1 6AN", "page": 3})
    page = response.content.decode()
    assert "120 metering points for E1 6AN" in page
    assert "Page 3 of 3" in page
    assert page.count('href="/metering-points/') == 20
    assert 'href="?q=E1+6AN&amp;page=2" rel="prev"' in page
    assert 'rel="next"' not in page


def test_the_detail_groups_every_field_with_meanings_and_uk_dates(member_client):
    point = point_with_every_field()
    MeterFactory(
        metering_point=point, serial="Z123456", meter_type="S2A", installation_date=date(2020, 2, 1)
    )
    other = RelatedMpanFactory(metering_point=point, effective_date=date(2019, 6, 29)).related
    response = member_client.get(f"/metering-points/{point.mpan_core}/")
    page = response.content.decode()
    assert response.status_code == 200
    for heading in ["Address", "Registration", "Settlement", "Agents", "Meters", "Smart metering"]:
        assert f">{heading}</h2>" in page
    assert "Related MPANs" in page
    assert "Domestic unrestricted" in page
    assert "Non-half-hourly metered" in page
    assert 'from <time datetime="2019-06-28">28/06/2019</time>' in page
    assert "17/05/2017" not in page and "06/05/2017" in page
    assert "London (LOND)" in page
    assert "SMETS2 smart meter, variant S2A" in page
    assert "01/02/2020" in page
    assert other.mpan_core in page and "29/06/2019" in page


def test_the_whole_detail_view_makes_few_queries(member_client, member):
    point = MeteringPointFactory()
    MeterFactory.create_batch(4, metering_point=point)
    RelatedMpanFactory.create_batch(2, metering_point=point)
    # The session is warm, as for a user mid-task; the home page's "lookups left today"
    # has seeded today's count from the audit rows into the cache.
    member_client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(f"/metering-points/{point.mpan_core}/")
    assert response.status_code == 200
    # The user with their organisation (accounts/backends.py), 3 for the data (point,
    # meters, related MPANs) and the audit insert (one round trip on PostgreSQL).
    # The session is in the cache (cached_db), and so are today's counts of the user and
    # of the organisation (seeded by the home page).
    assert len(queries) == 5, [q["sql"] for q in queries]
    # The next lookup is the same.
    with CaptureQueriesContext(connection) as queries:
        member_client.get(f"/metering-points/{point.mpan_core}/")
    assert len(queries) == 5, [q["sql"] for q in queries]


def test_an_unknown_mpan_detail_is_404_and_recorded(member_client, member):
    core = mpan_core_for(7)
    response = member_client.get(f"/metering-points/{core}/")
    assert response.status_code == 404
    assert f"No metering point found with MPAN core {core}." in response.content.decode()
    event = SearchEvent.objects.get()
    assert (event.action, event.result_count, event.query) == ("detail", 0, core)


def test_a_bad_mpan_in_the_detail_url_is_404_with_the_reason(member_client):
    response = member_client.get("/metering-points/1800021679841/")
    assert response.status_code == 404
    assert "the check digit does not match" in response.content.decode()


def test_every_search_detail_and_export_is_recorded(member_client, member, organisation):
    point = MeteringPointFactory()
    MeterFactory(metering_point=point, serial="K01")
    member_client.get("/search/", {"q": "k 01"}, REMOTE_ADDR="192.0.2.7")
    member_client.get(f"/metering-points/{point.mpan_core}/", REMOTE_ADDR="192.0.2.7")
    csv_rows(member_client.get("/search/export.csv", {"q": "SW1A 1AA"}, REMOTE_ADDR="192.0.2.7"))
    events = list(SearchEvent.objects.order_by("id"))
    assert [(e.action, e.kind, e.query, e.result_count) for e in events] == [
        (SearchAction.SEARCH, "serial", "K01", 1),
        (SearchAction.DETAIL, "mpan", point.mpan_core, 1),
        (SearchAction.EXPORT, "postcode", "SW1A 1AA", 1),
    ]
    for event in events:
        assert event.user == member
        assert event.organisation == organisation
        assert event.api_key is None
        assert event.channel == SearchChannel.WEB
        assert event.ip_address == "192.0.2.7"
        assert event.created_at is not None


def test_search_events_cannot_be_changed_or_deleted(member_client):
    member_client.get("/search/", {"q": "SW1A 1AA"})
    event = SearchEvent.objects.get()
    event.query = "something else"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        SearchEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        SearchEvent.objects.update(query="x")


def test_the_export_streams_every_result_as_csv(member_client, settings):
    settings.SEARCH_DAILY_CAP = 2000  # an export counts its rows
    points = MeteringPointFactory.create_batch(1500, postcode="E1 6AN")
    MeterFactory(metering_point=points[0], serial="=SUM(A1)")
    response = member_client.get("/search/export.csv", {"q": "e16an"})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="metering-points-E16AN.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["MPAN core", "Address", "Postcode"]
    assert len(rows) == 1501
    assert {row[0] for row in rows[1:]} == {point.mpan_core for point in points}
    assert "'=SUM(A1)" in [row[7] for row in rows[1:]]


def test_an_export_larger_than_the_bound_is_refused_with_a_message(member_client, settings):
    settings.SEARCH_EXPORT_MAX_ROWS = 3
    MeteringPointFactory.create_batch(4)
    response = member_client.get("/search/export.csv", {"q": "SW1A 1AA"})
    assert response.status_code == 400
    assert "This search found 4 metering points; an export holds at most 3." in (
        response.content.decode()
    )
    assert not SearchEvent.objects.exists()


def test_half_a_postcode_that_finds_nothing_says_to_add_the_second_half(member_client):
    for text, example in [("E13", "E13 0BZ"), ("wc2a 1", "WC2A 1BZ")]:
        html = member_client.get("/search/", {"q": text}).content.decode()
        assert f"add the second half of the postcode, e.g. {example}." in html, text


def test_a_serial_that_looks_like_half_a_postcode_is_still_found(member_client):
    point = MeteringPointFactory()
    MeterFactory(metering_point=point, serial="E13")
    html = member_client.get("/search/", {"q": "E13"}).content.decode()
    assert point.mpan_core in html and "second half" not in html


def test_the_search_page_shows_the_lookups_left_today(member_client, settings):
    settings.SEARCH_DAILY_CAP = 1_500
    assert "1,500 of 1,500 lookups left today" in member_client.get("/").content.decode()
    member_client.get("/search/", {"q": "SW1A 1AA"})
    html = member_client.get("/search/", {"q": "SW1A 1AA"}).content.decode()
    assert "1,498 of 1,500 lookups left today" in html


def test_the_detail_names_the_participants_and_links_back_to_its_results(member_client):
    point = MeteringPointFactory(
        postcode="SW1A 1AA", supplier_mpid="OCTO", mop_mpid="MTRW", dc_mpid="UDMS"
    )
    results = member_client.get("/search/", {"q": "SW1A 1AA"}).content.decode()
    link = f"/metering-points/{point.mpan_core}/?q=SW1A+1AA"
    assert f'href="{link}"' in results
    html = member_client.get(link).content.decode()
    assert 'href="/search/?q=SW1A+1AA">Back to the results for “SW1A 1AA”' in html
    for name in ("Octopus Energy", "Meterwise Metering Services", "Utility Data Management"):
        assert name in html
    assert 'class="print-stamp">Looked up by' in html


def test_the_back_link_is_rebuilt_not_taken_from_the_request(member_client):
    point = MeteringPointFactory()
    html = member_client.get(
        f"/metering-points/{point.mpan_core}/", {"q": "x", "page": "//evil.example"}
    ).content.decode()
    assert 'href="/search/?q=x">Back' in html and "evil.example" not in html
