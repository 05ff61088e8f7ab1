"""Properties of the normalisers every stored row and every search meet at."""

from hypothesis import given
from hypothesis import strategies as st

from registry.keys import serial_key
from registry.postcodes import (
    POSTCODE_KEY_MAX_LENGTH,
    postcode_display,
    postcode_is_full,
    postcode_key,
)

outward = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
inward = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@given(st.text() | st.none())
def test_any_text_has_a_postcode_key_and_normalising_it_again_changes_nothing(text):
    key = postcode_key(text)
    assert postcode_key(key) == key
    assert len(key) <= POSTCODE_KEY_MAX_LENGTH
    assert not any(ch.isspace() for ch in key)


@given(outward, inward, st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_a_postcode_typed_any_way_meets_its_displayed_form_at_one_key(out, inn, gap, lower):
    typed = f"{out}{gap}{inn}"
    key = postcode_key(typed.lower() if lower else typed)
    assert postcode_is_full(key)
    assert postcode_display(key) == f"{out} {inn}"
    assert postcode_key(postcode_display(key)) == key


@given(st.text() | st.none())
def test_any_text_has_a_serial_key_and_normalising_it_again_changes_nothing(text):
    key = serial_key(text)
    assert serial_key(key) == key
    assert " " not in key
