"""The address search follows the registry as D0204 refreshes change it: a first load
(the fast COPY path on PostgreSQL), a selective refresh (the merge path) and a full
refresh that drops a point."""

import pytest

from registry.models import FlowFileStatus
from registry.services import address_index_tidy
from search.parsing import address_fields_parse
from search.queries import metering_points_search
from tests.registry.conftest import points, refresh_bytes, send

pytestmark = pytest.mark.django_db


def found(**fields) -> list[str]:
    return [p.mpan_core for p in metering_points_search(address_fields_parse(fields))]


def address(instance) -> dict:
    return next(child for child in instance.children if child.group_id == "R03").items


def test_a_first_load_is_searchable_by_address(distributor):
    instances = points(3)
    lines = address(instances[1])
    assert send(refresh_bytes(instances), sender=distributor).status == FlowFileStatus.APPLIED
    number, street = lines["address_line_1"].split(" ", 1)
    if number.lower() == "flat":  # a block of flats: flat, building, "1 street", town
        number, street = lines["address_line_3"].split(" ", 1)
    core = instances[1].items["mpan_core"]
    town = next(lines[f"address_line_{n}"] for n in range(9, 0, -1) if lines[f"address_line_{n}"])
    assert core in found(building=number, street=street, town=town)


def test_a_changed_address_is_found_by_the_new_one_only(distributor):
    instances = points(3)
    send(refresh_bytes(instances), sender=distributor)
    changed = instances[0]
    for n in range(1, 10):
        address(changed)[f"address_line_{n}"] = None
    address(changed).update(address_line_1="7 Quarry Road", address_line_2="Otley")
    flow_file = send(
        refresh_bytes([changed], refresh_type="S", file_id="RF000002"), sender=distributor
    )
    assert flow_file.status == FlowFileStatus.APPLIED
    assert found(building="7", street="Quarry Road", town="Otley") == [changed.items["mpan_core"]]


def test_a_point_dropped_by_a_full_refresh_is_no_longer_found(distributor):
    instances = points(3)
    for n in range(1, 10):
        address(instances[2])[f"address_line_{n}"] = None
    address(instances[2]).update(address_line_1="9 Mill Lane", address_line_2="Ilkley")
    send(refresh_bytes(instances), sender=distributor)
    assert len(found(building="9", street="Mill Lane", town="Ilkley")) == 1
    send(refresh_bytes(instances[:2], file_id="RF000002"), sender=distributor)
    assert found(building="9", street="Mill Lane", town="Ilkley") == []


def test_tidying_the_address_index_is_safe_at_any_time(distributor):
    send(refresh_bytes(points(3)), sender=distributor)
    first = address_index_tidy()
    assert address_index_tidy() in (None, 0)
    assert first is None or first >= 0
