from registry.keys import address_sort_key, serial_key
from registry.postcodes import postcode_display, postcode_key


def test_postcodes_meet_at_one_key_whatever_the_spacing_and_case():
    assert {postcode_key(text) for text in ["sw1a 1aa", "SW1A1AA", " SW1A  1AA "]} == {"SW1A1AA"}
    assert postcode_key(None) == ""
    assert postcode_display("SW1A1AA") == "SW1A 1AA"


def test_meter_serials_ignore_spaces_dashes_and_case():
    assert serial_key("k 12-ab") == serial_key("K12AB") == "K12AB"


def test_addresses_sort_by_number_as_a_person_reads_them():
    keys = [address_sort_key([line]) for line in ["10 High St", "2 High St", "Flat 10", "Flat 2"]]
    assert sorted(keys) == [keys[1], keys[0], keys[3], keys[2]]
