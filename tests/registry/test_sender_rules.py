"""A party writes only the registry data it is responsible for: the rules of
registry/sender_rules.py, through the ingest service (both refresh paths)."""

from types import SimpleNamespace

import pytest
from django.db import connection

from accounts.roles import MarketRole
from bench.generate import metering_points
from registry import refresh, refresh_pipe
from registry.models import FlowFileStatus, Meter, MeteringPoint, RelatedMpan
from registry.sender_rules import distributor_ids_of
from tests.factories import OrganisationFactory
from tests.registry.conftest import (
    meter_information_bytes,
    points,
    refresh_bytes,
    relationships_bytes,
    send,
    unknown_core,
)


def registry_state() -> tuple:
    return (
        sorted(MeteringPoint.objects.values_list()),
        sorted(Meter.objects.values_list()),
        sorted(RelatedMpan.objects.values_list()),
    )


@pytest.fixture
def eastern(db):
    """Another distributor: Eastern (10)."""
    return OrganisationFactory(mpid="EELC", name="Eastern Power", role_codes=MarketRole.DISTRIBUTOR)


@pytest.fixture
def eastern_loaded(eastern, loaded):
    """Three Eastern points beside London's five."""
    data = refresh_bytes(list(metering_points(3, distributor_id="10")), distributor_id="10")
    assert send(data, sender=eastern).status == FlowFileStatus.APPLIED
    return eastern


@pytest.fixture(params=["full reader", "fast path"])
def refresh_path(request, monkeypatch, db):
    """Each refresh test runs on the full reader and, on PostgreSQL, on the fast path
    (small chunks, so a bad point can come after rows were merged)."""
    if request.param == "fast path" and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    if request.param == "full reader":
        monkeypatch.setattr("registry.services._local_path", lambda flow_file: None)
    monkeypatch.setattr(refresh, "CHUNK_ROWS", 4)
    started = []
    real = refresh_pipe.ParsingProcess

    def spy(path, **options):
        started.append(path.name)
        return real(path, **options)

    monkeypatch.setattr("registry.refresh.ParsingProcess", spy)
    return SimpleNamespace(name=request.param, started=started)


def test_a_dnos_distributor_id_comes_from_its_mpid(distributor, eastern, meter_operator):
    assert distributor_ids_of(distributor) == {"12"}
    assert distributor_ids_of(eastern) == {"10"}
    assert distributor_ids_of(meter_operator) == set()


def test_an_idnos_distributor_ids_come_from_the_setting(settings, db):
    settings.IDNO_DISTRIBUTORS = {"24": "IPNL", "31": "IPNL", "25": "LENG"}
    idno = OrganisationFactory(mpid="IPNL", role_codes=MarketRole.DISTRIBUTOR)
    assert distributor_ids_of(idno) == {"24", "31"}


def test_an_mpid_without_the_distributor_role_has_no_distributor_id(db):
    # LOND's MPID held by an organisation that is only a supplier.
    assert distributor_ids_of(OrganisationFactory(mpid="LOND")) == set()


@pytest.mark.parametrize("refresh_type", ["F", "S"])
def test_a_refresh_naming_another_distributor_is_rejected_and_changes_nothing(
    refresh_path, refresh_type, eastern_loaded, distributor
):
    before = registry_state()
    # Eastern sends London's points, with an R01 naming London.
    data = refresh_bytes(points(2), refresh_type=refresh_type, from_mpid="EELC", file_id="X1")

    flow_file = send(data, sender=eastern_loaded)

    assert flow_file.status == FlowFileStatus.REJECTED
    [error] = flow_file.errors
    assert (error["line"], error["group"], error["item"]) == (2, "R01", "distributor_id")
    assert error["reason"] == (
        "a refresh may name only the sender's own distributor: R01 names 12, but EELC is"
        " responsible for distributor id 10; nothing was applied"
    )
    assert registry_state() == before


@pytest.mark.parametrize("refresh_type", ["F", "S"])
def test_a_refresh_holding_another_distributors_point_is_rejected_naming_its_line(
    refresh_path, refresh_type, eastern_loaded
):
    before = registry_state()
    # Eastern's own R01 and points, then (after a few chunks) one London point.
    mine = list(metering_points(9, distributor_id="10", seed=5))
    london = points(1)[0]
    london.items["gsp_group"] = "_A"
    data = refresh_bytes(
        [*mine, london], refresh_type=refresh_type, distributor_id="10", file_id="X2"
    )

    flow_file = send(data, sender=eastern_loaded)

    assert flow_file.status == FlowFileStatus.REJECTED
    [error] = flow_file.errors
    core = london.items["mpan_core"]
    line = next(n for n, text in enumerate(data.splitlines(), 1) if core.encode() in text)
    assert (error["line"], error["group"], error["item"]) == (line, "R02", "mpan_core")
    assert f"MPAN core {core} is not distributor 10's" in error["reason"]
    assert registry_state() == before


def test_the_owner_still_refreshes_its_own_points(refresh_path, loaded, distributor):
    changed = points(5)
    changed[0].items["supplier_mpid"] = "EDFE"

    flow_file = send(refresh_bytes(changed, file_id="RF000009"), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert MeteringPoint.objects.get(pk=changed[0].items["mpan_core"]).supplier_mpid == "EDFE"
    assert bool(refresh_path.started) == (refresh_path.name == "fast path")


def test_a_service_admin_sending_for_a_party_meets_the_same_rule(refresh_path, eastern_loaded):
    """No sender given (the admin upload, the inbox): the header's party, and its rules."""
    before = registry_state()
    data = refresh_bytes(points(2), refresh_type="S", from_mpid="EELC", file_id="X3")

    flow_file = send(data, sender=None)

    assert flow_file.status == FlowFileStatus.REJECTED
    assert flow_file.sender == eastern_loaded
    assert flow_file.errors[0]["group"] == "R01"
    assert registry_state() == before


def test_a_refresh_for_an_unconfigured_idno_is_rejected(db, settings):
    idno = OrganisationFactory(mpid="IPNL", role_codes=MarketRole.DISTRIBUTOR)
    data = refresh_bytes(
        list(metering_points(2, distributor_id="24")), distributor_id="24", from_mpid="IPNL"
    )

    flow_file = send(data, sender=idno)

    assert flow_file.status == FlowFileStatus.REJECTED
    assert "IPNL is responsible for no distributor id" in flow_file.errors[0]["reason"]
    settings.IDNO_DISTRIBUTORS = {"24": "IPNL"}
    assert send(data, sender=idno, name="again.txt").status == FlowFileStatus.APPLIED


def test_a_d0386_linking_another_distributors_point_is_rejected_whole(eastern_loaded, distributor):
    london = [p.items["mpan_core"] for p in points(5)]
    eastern_core = MeteringPoint.objects.filter(distributor_id="10").first().pk
    before = registry_state()
    # A good link first, then one reaching into Eastern's network.
    data = relationships_bytes([(london[0], london[1]), (london[2], eastern_core)])

    flow_file = send(data, sender=distributor)

    assert flow_file.status == FlowFileStatus.REJECTED
    [error] = flow_file.errors
    assert (error["line"], error["item"]) == (3, "related_mpan_core")
    assert error["reason"] == (
        f"a D0386 may link only the sender's own metering points: MPAN core {eastern_core}"
        " is distributor 10's, but LOND is responsible for distributor id 12; nothing was applied"
    )
    assert registry_state() == before


def test_a_d0386_naming_another_distributors_point_gets_the_same_answer_whether_it_exists(
    eastern_loaded, distributor
):
    london = points(1)[0].items["mpan_core"]
    existing = MeteringPoint.objects.filter(distributor_id="10").first().pk
    from bench.generate import mpan_core

    missing = mpan_core("10", 9_999_999_998)
    answers = []
    for core in (existing, missing):
        flow_file = send(relationships_bytes([(london, core)]), sender=distributor, name=core)
        answers.append(flow_file.errors[0]["reason"].replace(core, "CORE"))
    assert answers[0] == answers[1]


def test_a_d0386_from_a_distributor_links_its_own_points(loaded, distributor):
    first, second = (p.items["mpan_core"] for p in points(5)[:2])

    flow_file = send(relationships_bytes([(first, second)]), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert RelatedMpan.objects.filter(metering_point_id=first, related_id=second).exists()


def test_a_d0312_answers_the_same_for_another_mops_point_nobodys_and_an_unknown_one(
    loaded, meter_operator
):
    all_points = points(5)
    someone_elses = all_points[1].items["mpan_core"]  # SIEM's
    nobodys = all_points[2].items["mpan_core"]
    MeteringPoint.objects.filter(pk=nobodys).update(mop_mpid="")
    missing = unknown_core()
    before = registry_state()

    flow_file = send(
        meter_information_bytes([someone_elses, nobodys, missing]), sender=meter_operator
    )

    assert flow_file.status == FlowFileStatus.APPLIED
    assert (flow_file.accepted_count, flow_file.rejected_count) == (0, 3)
    reasons = [error["reason"] for error in flow_file.errors]
    assert reasons == [
        f"MPAN core {core}: not appointed to you" for core in (someone_elses, nobodys, missing)
    ]
    assert "SIEM" not in str(flow_file.errors)
    assert registry_state() == before
