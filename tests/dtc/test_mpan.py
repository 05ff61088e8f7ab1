import pytest

from dtc.mpan import InvalidMpan, check_digit, is_valid_core, normalise_mpan


def test_the_check_digit_of_the_first_worked_example_is_8():
    # 1800021679848: the weighted sum is 1328; 1328 mod 11 = 8.
    assert check_digit("180002167984") == 8


def test_a_remainder_of_10_gives_a_check_digit_of_0():
    # 1000000000040: 3 + 4 * 43 = 175; 175 mod 11 = 10; 10 mod 10 = 0.
    assert check_digit("100000000004") == 0


@pytest.mark.parametrize("first12", ["18000216798", "1800021679844", "18000216798X", 180002167984])
def test_check_digit_refuses_anything_but_twelve_digits(first12):
    with pytest.raises(InvalidMpan):
        check_digit(first12)


@pytest.mark.parametrize("core", ["1800021679848", "1000000000040"])
def test_the_worked_examples_are_valid_cores(core):
    assert is_valid_core(core)


@pytest.mark.parametrize(
    "core", ["1800021679841", "180002167984", "18000216798480", "18000216798X8", "", None]
)
def test_other_values_are_not_valid_cores(core):
    assert not is_valid_core(core)


def test_full_width_digits_are_not_a_valid_core():
    full_width = "1800021679848".translate({ord("0") + n: 0xFF10 + n for n in range(10)})

    assert not is_valid_core(full_width)


@pytest.mark.parametrize(
    "typed",
    ["1800021679848", " 18 0002 1679 848 ", "18-0002-1679-848", "18 0002\t1679-848"],
)
def test_a_core_typed_with_spaces_or_dashes_is_normalised(typed):
    assert normalise_mpan(typed) == "1800021679848"


def test_a_full_21_digit_mpan_is_reduced_to_its_core():
    # profile class 01, MTC 801, LLFC 100, then the core.
    assert normalise_mpan("01 801 100 18 0002 1679 848") == "1800021679848"
    assert normalise_mpan("018011001000000000040") == "1000000000040"


def test_a_wrong_check_digit_is_explained():
    with pytest.raises(InvalidMpan) as caught:
        normalise_mpan("1800021679841")

    assert str(caught.value) == (
        "1800021679841 is not a valid MPAN core: the check digit does not match"
    )


def test_a_full_mpan_with_a_bad_core_is_explained_by_its_core():
    with pytest.raises(InvalidMpan) as caught:
        normalise_mpan("01 801 100 1800021679841")

    assert str(caught.value) == (
        "1800021679841 is not a valid MPAN core: the check digit does not match"
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "12345",
            "12345 is not a valid MPAN: it has 5 digits; expected 13 (the core) or 21 "
            "(the full MPAN)",
        ),
        (
            "18000216798A8",
            "18000216798A8 is not a valid MPAN: only digits, spaces and dashes are allowed",
        ),
        ("  ", "an empty value is not a valid MPAN"),
    ],
)
def test_other_input_is_explained(typed, message):
    with pytest.raises(InvalidMpan) as caught:
        normalise_mpan(typed)

    assert str(caught.value) == message


def test_invalid_mpan_is_a_value_error():
    assert issubclass(InvalidMpan, ValueError)
