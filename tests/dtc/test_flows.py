import pytest

from dtc.flows import FLOWS, HEADER, TRAILER


@pytest.mark.parametrize("flow", FLOWS.values(), ids=list(FLOWS))
def test_every_group_of_a_flow_has_a_known_parent_and_a_unique_id(flow):
    ids = [g.group_id for g in flow.groups]

    assert len(set(ids)) == len(ids)
    assert all(g.parent is None or g.parent in ids for g in flow.groups)
    assert flow.instance_group in ids
    assert all(len(gid) == 3 and gid not in ("ZHV", "ZPT") for gid in ids)


@pytest.mark.parametrize("group", [HEADER, TRAILER, *(g for f in FLOWS.values() for g in f.groups)])
def test_item_names_are_unique_within_a_group(group):
    names = [item.name for item in group.items]

    assert len(set(names)) == len(names)


def test_the_three_flows_and_their_versions_are_in_the_table():
    assert {fid: sorted(f.accepted_versions) for fid, f in FLOWS.items()} == {
        "D0204": ["002"],
        "D0312": ["002"],
        "D0386": ["001"],
    }
    assert {fid: f.sender_role for fid, f in FLOWS.items()} == {
        "D0204": "R",
        "D0312": "M",
        "D0386": "R",
    }


def test_a_d0312_meter_and_a_d0204_meter_have_the_same_items():
    assert FLOWS["D0312"].group("P02").items == FLOWS["D0204"].group("R04").items


def test_the_known_j_numbers_are_on_their_items():
    p02 = {item.name: item.j_number for item in FLOWS["D0312"].group("P02").items}

    assert p02["meter_serial"] == "J0004"
    assert p02["meter_type"] == "J0483"
    assert FLOWS["D0312"].group("P01").items[0].j_number == "J0003"
