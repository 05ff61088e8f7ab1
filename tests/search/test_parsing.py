import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtc.mpan import check_digit
from search.parsing import (
    SearchInputError,
    SearchKind,
    SearchQuery,
    postcode_parse,
    search_parse,
    serial_parse,
)

CORE = "1800021679848"


@pytest.mark.parametrize(
    "text",
    [
        "1800021679848",
        " 1800 0216 7984 8 ",
        "18-0002-1679-848",
        "S 1800021679848",
        "s1800021679848",
        "018011001800021679848",
        "S 01 801 100 1800 0216 7984 8",
    ],
)
def test_an_mpan_core_is_recognised_however_it_is_typed(text):
    assert search_parse(text) == SearchQuery(SearchKind.MPAN, CORE)


def test_a_wrong_check_digit_is_refused_with_the_reason():
    with pytest.raises(SearchInputError) as error:
        search_parse("1800021679841")
    assert str(error.value) == (
        "1800021679841 is not a valid MPAN core: the check digit does not match"
    )


def test_a_full_mpan_with_a_wrong_check_digit_names_the_core():
    with pytest.raises(SearchInputError, match="1800021679841 is not a valid MPAN core"):
        search_parse("01 801 100 1800021679841")


def test_a_long_digit_string_that_is_no_mpan_says_how_many_digits_it_has():
    with pytest.raises(SearchInputError, match="it has 12 digits; expected 13"):
        search_parse("180002167984")


@pytest.mark.parametrize(
    ("text", "building"),
    [
        ("SW1A 1AA", ""),
        ("sw1a1aa", ""),
        ("  sW1a   1Aa ", ""),
        ("10 SW1A 1AA", "10"),
        ("SW1A 1AA 10", "10"),
        ("10, sw1a 1aa", "10"),
        ("Rose Cottage, SW1A1AA", "Rose Cottage"),
        ("SW1A 1AA, Flat 2", "Flat 2"),
    ],
)
def test_a_postcode_is_recognised_in_any_case_and_spacing_with_an_optional_building(text, building):
    assert search_parse(text) == SearchQuery(SearchKind.POSTCODE, "SW1A1AA", building)


@pytest.mark.parametrize("text", ["S95A 12345", "s95a12345", "S95A-12345", " s 95 a 1234 5"])
def test_a_meter_serial_ignores_case_spaces_and_dashes(text):
    assert search_parse(text) == SearchQuery(SearchKind.SERIAL, "S95A12345")


def test_a_short_all_digit_serial_is_a_serial_not_an_mpan():
    assert search_parse("0012 3456") == SearchQuery(SearchKind.SERIAL, "00123456")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_search_asks_for_something_to_search(text):
    with pytest.raises(
        SearchInputError, match="Type an MPAN core, a postcode, an address or a meter serial"
    ):
        search_parse(text)


@pytest.mark.parametrize("text", ["highstreet!", "ABCDEFGHIJK", "12 X-Y!"])
def test_an_unrecognised_search_says_what_to_type(text):
    with pytest.raises(SearchInputError, match="is not an MPAN core, a full postcode"):
        search_parse(text)


def test_the_postcode_parameter_must_be_a_full_postcode():
    with pytest.raises(SearchInputError, match="is not a full postcode"):
        postcode_parse("SW1A")
    assert postcode_parse("sw1a 1aa", building=" 10 ") == SearchQuery(
        SearchKind.POSTCODE, "SW1A1AA", "10"
    )


def test_the_serial_parameter_refuses_a_serial_longer_than_ten_characters():
    with pytest.raises(SearchInputError, match="is not a meter serial number"):
        serial_parse("ABCDEFGHIJK")


def test_the_display_writes_the_postcode_the_usual_way():
    assert search_parse("10 sw1a1aa").display == "10, SW1A 1AA"


# --- Properties -----------------------------------------------------------------------------

first12s = st.text(alphabet="0123456789", min_size=12, max_size=12)
separators = st.lists(st.sampled_from(["", " ", "-", "  "]), min_size=13, max_size=13)


def _spread(digits: str, seps: list[str]) -> str:
    return "".join(sep + digit for digit, sep in zip(digits, seps, strict=False))


@given(first12=first12s, seps=separators, prefix=st.sampled_from(["", "S", "s ", "S "]))
def test_any_valid_core_with_any_spacing_is_found_as_that_core(first12, seps, prefix):
    core = first12 + str(check_digit(first12))
    assert search_parse(prefix + _spread(core, seps)) == SearchQuery(SearchKind.MPAN, core)


@given(first12=first12s, top=st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_any_full_mpan_is_reduced_to_its_core(first12, top):
    core = first12 + str(check_digit(first12))
    assert search_parse(f"S {top[:2]} {top[2:5]} {top[5:]} {core}").key == core


@given(first12=first12s, wrong=st.integers(1, 9))
def test_any_core_with_a_wrong_check_digit_is_refused(first12, wrong):
    digit = (check_digit(first12) + wrong) % 10
    with pytest.raises(SearchInputError, match="the check digit does not match"):
        search_parse(first12 + str(digit))


outward = st.tuples(
    st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWYZ", min_size=1, max_size=2),
    st.text(alphabet="0123456789", min_size=1, max_size=1),
    st.sampled_from(["", "1", "A"]),
).map("".join)
inward = st.tuples(
    st.text(alphabet="0123456789", min_size=1, max_size=1),
    st.text(alphabet="ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
).map("".join)
buildings = st.sampled_from(["", "10", "10A", "Flat 2", "Rose Cottage"])


@given(
    out=outward,
    inn=inward,
    building=buildings,
    before=st.booleans(),
    upper=st.booleans(),
    gap=st.sampled_from(["", " ", "  "]),
)
def test_any_postcode_in_any_case_and_spacing_with_a_building_is_understood(
    out, inn, building, before, upper, gap
):
    postcode = f"{out}{gap}{inn}"
    postcode = postcode.upper() if upper else postcode.lower()
    if building:
        text = f"{building} {postcode}" if before else f"{postcode}, {building}"
    else:
        text = postcode
    assert search_parse(text) == SearchQuery(SearchKind.POSTCODE, out + inn, building)


@given(
    serial=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=10).filter(
        lambda s: not s.isdigit()
    ),
    data=st.data(),
)
def test_any_serial_with_spaces_or_lower_case_is_found_by_its_key(serial, data):
    typed = "".join(
        data.draw(st.sampled_from(["", " ", "-"])) + data.draw(st.sampled_from([c, c.lower()]))
        for c in serial
    )
    query = search_parse(typed)
    # A serial shaped like a postcode is searched as the postcode (documented).
    if query.kind is SearchKind.SERIAL:
        assert query.key == serial


@given(text=st.text(max_size=120))
def test_any_text_is_either_a_search_or_a_clear_message(text):
    try:
        query = search_parse(text)
    except SearchInputError as error:
        assert str(error)
    else:
        assert query.key or query.words
