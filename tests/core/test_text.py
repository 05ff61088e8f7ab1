from core.text import count_noun


def test_one_is_singular_and_many_have_a_thousands_separator():
    assert count_noun(1, "day") == "1 day"
    assert count_noun(0, "day") == "0 days"
    assert count_noun(20_000, "MPAN core") == "20,000 MPAN cores"
    assert count_noun(2, "metering point") == "2 metering points"
    assert count_noun(3, "search", "searches") == "3 searches"
