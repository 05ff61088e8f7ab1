"""Address and UPRN search: parsing, the query on the database in use (SQLite on a
laptop, PostgreSQL with its GIN index in CI), the screens, the cap and the audit."""

import pytest

from registry.services import address_words_refresh
from search.models import SearchAction, SearchEvent
from search.parsing import (
    SearchInputError,
    SearchKind,
    address_fields_parse,
    search_parse,
    uprn_parse,
)
from search.queries import metering_points_search
from tests.factories import MeteringPointFactory


def cores(query) -> list[str]:
    return [point.mpan_core for point in metering_points_search(query, page=True)]


@pytest.fixture
def leeds(db):
    """A block of flats and two streets in Leeds, a High Street in York."""
    flats = {
        n: MeteringPointFactory(
            address_line_1=f"Flat {n}",
            address_line_2="Kirkgate House",
            address_line_3="12 High Street",
            address_line_4="Leeds",
            postcode="LS1 4AP",
            uprn=f"7200000{n:02d}",
        )
        for n in (1, 2, 3, 12)
    }
    house = MeteringPointFactory(
        address_line_1="3 High Street", address_line_2="Leeds", postcode="LS1 4AQ"
    )
    mill = MeteringPointFactory(
        address_line_1="12 Mill Lane",
        address_line_2="Headingley",
        address_line_3="Leeds",
        postcode="LS6 2AB",
    )
    york = MeteringPointFactory(
        address_line_1="12 High Street", address_line_2="York", postcode="YO1 8AA"
    )
    address_words_refresh()  # as after a D0204 (factories write the registry directly)
    return {"flats": flats, "house": house, "mill": mill, "york": york}


# --- Parsing ---------------------------------------------------------------------------------


def test_free_text_with_commas_is_an_address():
    query = search_parse("Flat 3, 12 High Street, Leeds")
    assert query.kind is SearchKind.ADDRESS
    assert query.words == ("FLAT 3", "12", "HIGH", "STREET", "LEEDS")
    assert query.display == "Flat 3, 12 High Street, Leeds"


def test_a_full_postcode_in_free_text_narrows_the_address_to_it():
    query = search_parse("Flat 3, 12 High Street, LS1 4AP")
    assert (query.kind, query.key) == (SearchKind.ADDRESS, "LS14AP")
    assert query.words == ("FLAT 3", "12", "HIGH", "STREET")


def test_a_building_and_a_postcode_are_still_a_postcode_search():
    query = search_parse("10, SW1A 1AA")
    assert (query.kind, query.key, query.building) == (SearchKind.POSTCODE, "SW1A1AA", "10")


def test_a_uprn_is_searched_after_the_word_uprn():
    query = search_parse("uprn: 100023336956")
    assert (query.kind, query.key, query.display) == (
        SearchKind.UPRN,
        "100023336956",
        "UPRN 100023336956",
    )


@pytest.mark.parametrize("text", ["12A", "UPRN", "1234567890123"])
def test_a_uprn_is_up_to_twelve_digits(text):
    with pytest.raises(SearchInputError, match="is not a UPRN: a UPRN is up to 12 digits"):
        uprn_parse(text)


def test_serials_with_spaces_stay_serials():
    assert search_parse("S95A 12345").kind is SearchKind.SERIAL


def test_structured_fields_are_words_of_the_address():
    query = address_fields_parse(
        {"sub_building": "Flat 3", "building": "12", "street": "High St.", "town": "Leeds"}
    )
    assert query.kind is SearchKind.ADDRESS
    assert query.words == ("FLAT 3", "12", "HIGH", "ST", "LEEDS")
    assert query.display == "Flat 3, 12, High St., Leeds"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Fill in a postcode, or a street with a building number or name and a town"),
        ({"town": "Leeds"}, "A town alone matches too many addresses: add a street"),
        ({"postcode": "LS1"}, "A postcode alone matches too many addresses"),
        ({"street": "High Street"}, "Add a town, a locality or a postcode"),
        ({"building": "1", "town": "Ab"}, "is too short to search: add the street"),
        ({"street": "x" * 41, "town": "Leeds"}, "The street is at most 40 characters"),
        ({"postcode": "LS1 4A", "street": "High St"}, "is not a postcode: type a full postcode"),
    ],
)
def test_bad_structured_input_says_what_to_add(fields, message):
    with pytest.raises(SearchInputError, match=message):
        address_fields_parse(fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Leeds,", "alone matches too many addresses: add a street and a building"),
        ("12, 3", "has only numbers: add the street and the town"),
        ("1, ab", "is too short to search"),
    ],
)
def test_bad_free_text_says_what_to_add(text, message):
    with pytest.raises(SearchInputError, match=message):
        search_parse(text)


def test_a_full_postcode_alone_in_the_form_is_enough():
    query = address_fields_parse({"postcode": "ls1 4ap"})
    assert (query.kind, query.key, query.words) == (SearchKind.ADDRESS, "LS14AP", ())


# --- The query, on the database in use --------------------------------------------------------


def test_free_text_finds_the_flat(leeds):
    assert cores(search_parse("Flat 3, 12 High Street, Leeds")) == [leeds["flats"][3].mpan_core]


def test_flat_numbers_are_whole_words_and_ranked_in_the_query_order(leeds):
    # A flat is its word and number side by side: flats 1, 2 and 3 of number 12 have
    # the words FLAT and 12 too, but not "FLAT 12".
    found = cores(search_parse("Flat 12, 12 High Street, Leeds"))
    assert found == [leeds["flats"][12].mpan_core]
    # Without the flat, every flat of number 12 High Street, Leeds, in address order.
    found = cores(search_parse("12 High Street, Leeds"))
    assert found == [leeds["flats"][n].mpan_core for n in (1, 2, 3, 12)]
    # "3 High Street": the house whose number is 3 first (the words side by side), then
    # flat 3 of number 12.
    found = cores(search_parse("3 High Street, Leeds"))
    assert found == [leeds["house"].mpan_core, leeds["flats"][3].mpan_core]


def test_structured_search_without_a_postcode(leeds):
    query = address_fields_parse({"building": "12", "street": "Mill Lane", "town": "Leeds"})
    assert cores(query) == [leeds["mill"].mpan_core]


def test_structured_search_by_locality_and_outward_code(leeds):
    query = address_fields_parse({"street": "Mill Lane", "locality": "Headingley"})
    assert cores(query) == [leeds["mill"].mpan_core]
    query = address_fields_parse({"building": "3", "street": "High Street", "postcode": "LS1"})
    assert cores(query)[0] == leeds["house"].mpan_core


def test_structured_search_within_a_full_postcode(leeds):
    query = address_fields_parse({"sub_building": "Flat 2", "postcode": "LS1 4AP"})
    assert cores(query) == [leeds["flats"][2].mpan_core]


def test_the_town_tells_two_high_streets_apart(leeds):
    query = address_fields_parse({"building": "12", "street": "High Street", "town": "York"})
    assert cores(query) == [leeds["york"].mpan_core]


def test_a_misspelt_street_still_finds_the_address(leeds):
    assert cores(search_parse("12 Mil Lane, Leeds")) == [leeds["mill"].mpan_core]
    query = address_fields_parse({"building": "12", "street": "Hihg Street", "town": "York"})
    assert cores(query) == [leeds["york"].mpan_core]


def test_a_misspelt_number_is_not_guessed(leeds):
    assert cores(search_parse("14 Mill Lane, Leeds")) == []


def test_an_address_nobody_has_finds_nothing(leeds):
    assert cores(search_parse("7 Quarry Road, Otley")) == []


def test_uprn_finds_its_point(leeds):
    assert cores(uprn_parse("720000002")) == [leeds["flats"][2].mpan_core]
    assert cores(uprn_parse("999")) == []


def test_a_uprn_is_found_with_or_without_leading_zeros(db):
    point = MeteringPointFactory(uprn="000123456")
    address_words_refresh()
    assert cores(uprn_parse("123456")) == [point.mpan_core]
    assert cores(uprn_parse("0123456")) == [point.mpan_core]


def test_an_address_search_lists_at_most_the_cap(db, settings):
    settings.SEARCH_ADDRESS_MAX_RESULTS = 5
    for n in range(8):
        MeteringPointFactory(address_line_1=f"{n + 1} Long Row", address_line_2="Leeds")
    address_words_refresh()
    found = metering_points_search(search_parse("Long Row, Leeds"), page=True)
    assert found.count() == 5
    assert len(list(found)) == 5


# --- The screens ------------------------------------------------------------------------------


def test_the_search_box_takes_an_address(member_client, leeds):
    response = member_client.get("/search/", {"q": "Flat 3, 12 High Street, Leeds"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 metering point for Flat 3, 12 High Street, Leeds" in page
    assert leeds["flats"][3].mpan_core in page
    event = SearchEvent.objects.get()
    assert (event.action, event.kind, event.result_count) == (SearchAction.SEARCH, "address", 1)


def test_the_address_form_searches_without_a_postcode(member_client, leeds):
    response = member_client.get(
        "/search/address/", {"building": "12", "street": "Mill Lane", "town": "Leeds"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert leeds["mill"].mpan_core in page
    assert leeds["york"].mpan_core not in page
    assert SearchEvent.objects.get().kind == "address"


def test_the_address_form_takes_a_uprn(member_client, leeds):
    response = member_client.get("/search/address/", {"uprn": "720000001"})
    assert leeds["flats"][1].mpan_core in response.content.decode()
    assert SearchEvent.objects.get().query == "UPRN 720000001"


def test_the_address_form_says_what_to_add_to_a_town(member_client, leeds):
    response = member_client.get("/search/address/", {"town": "Leeds"})
    page = response.content.decode()
    assert "A town alone matches too many addresses: add a street" in page
    assert leeds["mill"].mpan_core not in page
    assert not SearchEvent.objects.exists()


def test_the_empty_address_form_is_just_the_form(member_client):
    response = member_client.get("/search/address/")
    assert response.status_code == 200
    assert b'name="street"' in response.content
    assert not SearchEvent.objects.exists()


def test_an_address_search_page_cannot_reach_past_the_cap(member_client, settings):
    settings.SEARCH_ADDRESS_MAX_RESULTS = 3
    points = [
        MeteringPointFactory(address_line_1=f"{n + 1} Long Row", address_line_2="Leeds")
        for n in range(6)
    ]
    address_words_refresh()
    listed = set()
    for page in ("1", "2", "99"):
        response = member_client.get("/search/", {"q": "Long Row, Leeds", "page": page})
        listed |= {p.mpan_core for p in points if p.mpan_core in response.content.decode()}
    assert len(listed) == 3
    assert "lists at most 3 metering points" in response.content.decode()


def test_an_address_export_holds_the_capped_results_and_counts(member_client, settings):
    settings.SEARCH_ADDRESS_MAX_RESULTS = 2
    for n in range(4):
        MeteringPointFactory(address_line_1=f"{n + 1} Long Row", address_line_2="Leeds")
    address_words_refresh()
    response = member_client.get("/search/export.csv", {"street": "Long Row", "town": "Leeds"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1 + 2
    event = SearchEvent.objects.get()
    assert (event.action, event.kind, event.result_count) == (SearchAction.EXPORT, "address", 2)


def test_address_searches_count_against_the_daily_cap(member_client, leeds, settings):
    settings.SEARCH_DAILY_CAP = 1
    member_client.get("/search/", {"q": "Flat 3, 12 High Street, Leeds"})
    response = member_client.get(
        "/search/address/", {"building": "12", "street": "Mill Lane", "town": "Leeds"}
    )
    assert response.status_code == 429
    assert leeds["mill"].mpan_core not in response.content.decode()
