import pytest

from dtc import codes
from dtc.flows import FLOWS


def test_each_dno_area_has_its_own_gsp_group_and_mpid():
    gsp_groups = [d.gsp_group for d in codes.DISTRIBUTORS.values()]
    mpids = [d.mpid for d in codes.DISTRIBUTORS.values()]

    assert len(set(gsp_groups)) == len(gsp_groups) == 14
    assert len(set(mpids)) == 14
    assert codes.DISTRIBUTORS["12"] == ("LOND", "_C", "London")
    assert codes.DISTRIBUTORS["17"].gsp_group == "_P"


def test_distributor_ids_run_from_10_to_36():
    assert list(codes.DISTRIBUTOR_IDS) == [str(n) for n in range(10, 37)]


def test_the_gsp_groups_are_a_to_p_without_i_and_o():
    assert list(codes.GSP_GROUPS) == [f"_{c}" for c in "ABCDEFGHJKLMNP"]


def test_the_code_lists_are_read_only():
    with pytest.raises(TypeError):
        codes.METER_TYPES["NEW"] = "A new meter type"


def test_the_meter_types_of_domain_md_are_all_there():
    listed = [
        *("CHECK", "H", "K", "LAG_", "LEAD_", "MAIN_", "N", "NCAMR", "NSS", "RCAMR", "RCAMY"),
        *("S", "S1", "S2A", "S2B", "S2C", "S2AD", "S2BD", "S2CD", "S2ADE", "S2BDE", "S2CDE"),
        *("2AF", "2ADF", "2ADEF", "2AEF", "2BF", "2BDF", "2BDEF", "2BEF"),
        *("2CF", "2CDF", "2CDEF", "2CEF", "SPECL", "T"),
    ]

    assert sorted(codes.METER_TYPES) == sorted(listed)


def test_every_sender_role_of_the_flow_table_is_a_market_role():
    assert {flow.sender_role for flow in FLOWS.values()} <= set(codes.MARKET_ROLES)
