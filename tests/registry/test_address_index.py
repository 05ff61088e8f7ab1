"""The address search follows the registry as D0204 refreshes change it: the words of
a distributor's points are rewritten after each refresh commits (a task), for a first
load (the fast COPY path on PostgreSQL), a selective refresh (the merge path) and a full
refresh that drops a point."""

import pytest

from registry.models import AddressWords, FlowFileStatus
from registry.services import address_words_refresh
from search.parsing import address_fields_parse
from search.queries import metering_points_search
from tests.factories import MeteringPointFactory, mpan_core_for
from tests.registry.conftest import points, refresh_bytes, send

pytestmark = pytest.mark.django_db


def found(**fields) -> list[str]:
    return [p.mpan_core for p in metering_points_search(address_fields_parse(fields))]


def address(instance) -> dict:
    return next(child for child in instance.children if child.group_id == "R03").items


def readdress(instance, *lines: str) -> None:
    for n in range(1, 10):
        address(instance)[f"address_line_{n}"] = None
    address(instance).update({f"address_line_{n}": line for n, line in enumerate(lines, 1)})


@pytest.fixture
def refreshed(distributor, django_capture_on_commit_callbacks):
    """Send a refresh and run what its commit queues (the address words task)."""

    def refreshed(data: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            flow_file = send(data, sender=distributor)
        assert flow_file.status == FlowFileStatus.APPLIED
        return flow_file

    return refreshed


def test_a_first_load_is_searchable_by_address(refreshed):
    instances = points(3)
    readdress(instances[1], "4 Tannery Yard", "Shipley")
    refreshed(refresh_bytes(instances))
    assert found(building="4", street="Tannery Yard", town="Shipley") == [
        instances[1].items["mpan_core"]
    ]
    assert AddressWords.objects.count() == 3


def test_a_changed_address_is_found_by_the_new_one_only(refreshed):
    instances = points(3)
    readdress(instances[0], "7 Quarry Road", "Otley")
    refreshed(refresh_bytes(instances))
    readdress(instances[0], "9 Quarry Road", "Otley")
    refreshed(refresh_bytes([instances[0]], refresh_type="S", file_id="RF000002"))
    core = instances[0].items["mpan_core"]
    assert found(building="9", street="Quarry Road", town="Otley") == [core]
    assert found(building="7", street="Quarry Road", town="Otley") == []


def test_a_point_dropped_by_a_full_refresh_is_no_longer_found(refreshed):
    instances = points(3)
    readdress(instances[2], "9 Mill Lane", "Ilkley")
    refreshed(refresh_bytes(instances))
    assert len(found(building="9", street="Mill Lane", town="Ilkley")) == 1
    refreshed(refresh_bytes(instances[:2], file_id="RF000002"))
    assert found(building="9", street="Mill Lane", town="Ilkley") == []
    assert AddressWords.objects.count() == 2


def test_the_words_of_one_distributor_leave_the_others_alone(db):
    london = MeteringPointFactory(address_line_1="1 Long Row", address_line_2="Leeds")
    other = MeteringPointFactory(
        mpan_core=mpan_core_for(5, distributor_id="13"),
        address_line_1="2 Long Row",
        address_line_2="Leeds",
    )
    assert address_words_refresh(distributor_id="12") == 1
    assert list(AddressWords.objects.values_list("mpan_core", flat=True)) == [london.mpan_core]
    assert address_words_refresh(distributor_id="12") == 0  # nothing changed
    assert address_words_refresh() == 1
    assert AddressWords.objects.get(pk=other.mpan_core).text == " 2 LONG ROW LEEDS SW1A 1AA "
