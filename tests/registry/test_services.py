import pytest

from registry.models import FlowFile, FlowFileStatus, Meter, MeteringPoint, RelatedMpan
from registry.services import flow_file_reprocess
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
        sorted(MeteringPoint.objects.values_list("mpan_core", "supplier_mpid", "postcode")),
        sorted(Meter.objects.values_list("metering_point_id", "serial")),
        sorted(RelatedMpan.objects.values_list("metering_point_id", "related_id")),
    )


def good_file() -> bytes:
    changed = points(5)
    changed[0].items["supplier_mpid"] = "EDFE"
    return refresh_bytes(changed, file_id="RF000002")


def replace_line(data: bytes, number: int, line: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    lines[number - 1] = line + b"\n"
    return b"".join(lines)


def edit(data: bytes, number: int, old: bytes, new: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return b"".join(lines)


def trailer_field(data: bytes, index: int, value: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    fields = lines[-1].split(b"|")
    fields[index] = value
    lines[-1] = b"|".join(fields)
    return b"".join(lines)


def bad_check_digit(data: bytes) -> bytes:
    line = data.splitlines()[2]
    core = line.split(b"|")[1]
    wrong = core[:12] + str((int(core[12:]) + 1) % 10).encode()
    return edit(data, 3, core, wrong)


BAD_FILES = {
    "an empty file": (lambda data: b"", None, "empty"),
    "binary junk": (lambda data: bytes(range(256)) * 8, 1, ""),
    "a missing trailer": (lambda data: b"".join(data.splitlines(keepends=True)[:-1]), None, "ZPT"),
    "a mismatched trailer file id": (lambda data: trailer_field(data, 1, b"OTHER"), -1, "file id"),
    "a wrong group count": (
        lambda data: trailer_field(data, 2, b"999"),
        -1,
        "counts 999 group lines",
    ),
    "a wrong flow count": (
        lambda data: trailer_field(data, 4, b"42"),
        -1,
        "counts 42 flow instances",
    ),
    "a bad check digit": (bad_check_digit, 3, "check digit"),
    "a bad date": (lambda data: edit(data, 3, b"|19980901|", b"|19981341|"), 3, ""),
    "an unknown group": (lambda data: replace_line(data, 4, b"R09|what|"), 4, "R09"),
    "an unknown flow version": (
        lambda data: edit(data, 1, b"D0204002", b"D0204001"),
        1,
        "D0204 version 001 is not accepted; accepted versions: 002",
    ),
    "an over-long line": (lambda data: edit(data, 4, b"|", b"|" + b"x" * 5000), 4, "long"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_rejected_with_its_line_and_leaves_the_registry_unchanged(
    case, loaded, distributor
):
    spoil, line, reason = BAD_FILES[case]
    before = registry_state()
    data = spoil(good_file())

    flow_file = send(data, sender=distributor)

    assert flow_file.status == FlowFileStatus.REJECTED
    assert registry_state() == before
    [error] = flow_file.errors
    assert reason.lower() in error["reason"].lower()
    if line == -1:
        assert error["line"] == len(data.splitlines())
    elif line is not None:
        assert error["line"] == line
    assert flow_file.accepted_count == 0


def test_a_file_sent_twice_is_applied_once(loaded, distributor):
    before = registry_state()
    again = send(refresh_bytes(points(5)), sender=distributor)

    assert again.status == FlowFileStatus.REJECTED
    assert f"applied already as file {loaded.pk}" in again.errors[0]["reason"]
    assert registry_state() == before


def test_a_refresh_from_an_organisation_without_the_distributor_role_is_rejected(
    loaded, meter_operator
):
    before = registry_state()
    data = good_file().replace(b"|R|LOND|", b"|R|MTRW|", 1)

    flow_file = send(data, sender=meter_operator)

    assert flow_file.status == FlowFileStatus.REJECTED
    error = flow_file.errors[0]
    assert error["line"] == 1
    assert "D0204 may be sent only by a Distributor (role R)" in error["reason"]
    assert registry_state() == before


def test_a_header_naming_another_sender_is_rejected(loaded, distributor, meter_operator):
    flow_file = send(good_file(), sender=meter_operator)
    assert flow_file.status == FlowFileStatus.REJECTED
    assert (
        "the header says the file is from LOND, but MTRW sent it" in flow_file.errors[0]["reason"]
    )


def test_a_full_refresh_makes_the_distributors_points_exactly_the_files(loaded, distributor):
    kept = points(5)[:3]
    kept[0].items["supplier_mpid"] = "EDFE"

    flow_file = send(refresh_bytes(kept, file_id="RF000003"), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert flow_file.accepted_count == 3
    cores = [point.items["mpan_core"] for point in kept]
    assert sorted(MeteringPoint.objects.values_list("pk", flat=True)) == sorted(cores)
    assert MeteringPoint.objects.get(pk=cores[0]).supplier_mpid == "EDFE"
    assert set(Meter.objects.values_list("metering_point_id", flat=True)) <= set(cores)


def test_a_selective_refresh_changes_only_the_points_it_lists(loaded, distributor):
    one = points(5)[4:]
    one[0].items["supplier_mpid"] = "OCTO"
    meters = [child for child in one[0].children if child.group_id == "R04"]
    meters[0].items["meter_serial"] = "NEW 1234"
    one[0].children = [one[0].children[0], meters[0]]

    flow_file = send(refresh_bytes(one, refresh_type="S", file_id="RF000004"), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert MeteringPoint.objects.count() == 5
    point = MeteringPoint.objects.get(pk=one[0].items["mpan_core"])
    assert point.supplier_mpid == "OCTO"
    assert [(m.serial, m.serial_key) for m in point.meters.all()] == [("NEW 1234", "NEW1234")]


def test_a_refresh_stores_search_keys_and_smart_fields(loaded):
    point = points(5)[0]
    stored = MeteringPoint.objects.get(pk=point.items["mpan_core"])
    postcode = point.children[0].items["postcode"]
    assert stored.postcode == postcode
    assert stored.postcode_key == postcode.replace(" ", "").upper()
    assert stored.address_sort_key
    assert stored.smets_version == (point.items["smets_version"] or "")
    assert stored.domestic_premises is (point.items["domestic_premises"] == "Y")
    serials = {m.serial for m in stored.meters.all()}
    assert serials == {c.items["meter_serial"] for c in point.children if c.group_id == "R04"}


def test_meter_information_applies_the_good_records_and_lists_the_bad_ones(loaded, meter_operator):
    mine, someone_elses = (p.items["mpan_core"] for p in points(5)[:2])
    missing = unknown_core()
    before_other = sorted(
        Meter.objects.filter(metering_point_id=someone_elses).values_list("serial")
    )

    flow_file = send(meter_information_bytes([mine, someone_elses, missing]), sender=meter_operator)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert (flow_file.accepted_count, flow_file.rejected_count) == (1, 2)
    reasons = {error["line"]: error["reason"] for error in flow_file.errors}
    lines = flow_file.stored_file.open("rb").read().splitlines()
    p01_lines = [number for number, line in enumerate(lines, 1) if line.startswith(b"P01|")]
    assert reasons == {
        p01_lines[1]: f"MPAN core {someone_elses}: not appointed to you",
        p01_lines[2]: f"MPAN core {missing}: not appointed to you",
    }
    new_serials = [line.split(b"|")[1].decode() for line in lines if line.startswith(b"P02|")]
    assert set(new_serials[:1]) <= set(
        Meter.objects.filter(metering_point_id=mine).values_list("serial", flat=True)
    )
    after_other = sorted(
        Meter.objects.filter(metering_point_id=someone_elses).values_list("serial")
    )
    assert after_other == before_other


def test_meter_information_matches_a_meter_by_its_serial_key(loaded, meter_operator):
    mine = points(5)[0].items["mpan_core"]
    send(meter_information_bytes([mine]), sender=meter_operator)
    count = Meter.objects.filter(metering_point_id=mine).count()
    meter = Meter.objects.filter(metering_point_id=mine).latest("id")
    spaced = meter.serial[:1] + " " + meter.serial[1:].lower()
    data = meter_information_bytes([mine]).replace(meter.serial.encode(), spaced.encode())
    data = data.replace(b"|MI000001|", b"|MI000002|")

    send(data, sender=meter_operator)

    assert Meter.objects.filter(metering_point_id=mine).count() == count
    assert Meter.objects.get(pk=meter.pk).serial == spaced


def test_meter_information_from_a_supplier_is_rejected_whole(loaded, organisation):
    mine = points(5)[0].items["mpan_core"]
    data = meter_information_bytes([mine], mop=organisation.mpid)
    flow_file = send(data, sender=organisation)
    assert flow_file.status == FlowFileStatus.REJECTED
    assert (
        "D0312 may be sent only by a Meter operator (MOP) (role M)" in flow_file.errors[0]["reason"]
    )


def test_relationships_set_and_clear_the_related_mpan_indicator(loaded, distributor):
    first, second = (p.items["mpan_core"] for p in points(5)[2:4])

    added = send(relationships_bytes([(first, second)]), sender=distributor)
    assert added.status == FlowFileStatus.APPLIED
    assert set(
        MeteringPoint.objects.filter(has_related_mpans=True).values_list("pk", flat=True)
    ) == {first, second}

    removed = send(
        relationships_bytes([(second, first)], action="R"), sender=distributor, name="r.txt"
    )
    assert removed.status == FlowFileStatus.APPLIED, removed.errors
    assert not RelatedMpan.objects.exists()
    assert not MeteringPoint.objects.filter(has_related_mpans=True).exists()


def test_a_rejected_version_applies_after_the_operator_accepts_it(
    settings, distributor, django_capture_on_commit_callbacks
):
    data = refresh_bytes(points(3)).replace(b"D0204002", b"D0204003", 1)
    flow_file = send(data, sender=distributor)
    assert flow_file.status == FlowFileStatus.REJECTED
    assert "D0204 version 003 is not accepted" in flow_file.errors[0]["reason"]

    settings.DTC_ACCEPTED_VERSIONS = {"D0204": {"002", "003"}}
    with django_capture_on_commit_callbacks(execute=True):
        flow_file_reprocess(flow_file_id=flow_file.pk)  # the task runs eagerly in tests

    flow_file.refresh_from_db()
    assert flow_file.status == FlowFileStatus.APPLIED
    assert MeteringPoint.objects.count() == 3


def test_a_crash_while_applying_leaves_nothing_half_applied(monkeypatch, loaded, distributor):
    from registry import refresh

    before = registry_state()
    merge = refresh._chunk_merge

    def merge_then_crash(*args, **kwargs):
        merge(*args, **kwargs)
        raise RuntimeError("the worker died")

    monkeypatch.setattr(refresh, "_chunk_merge", merge_then_crash)
    with pytest.raises(RuntimeError):
        send(good_file(), sender=distributor)

    assert registry_state() == before
    flow_file = FlowFile.objects.latest("id")
    assert flow_file.status == FlowFileStatus.REJECTED
    assert "nothing was applied" in flow_file.errors[0]["reason"]


def test_a_refresh_in_many_chunks_applies_like_one(monkeypatch, loaded, distributor):
    from registry import refresh

    monkeypatch.setattr(refresh, "CHUNK_ROWS", 4)
    many = points(30, seed=2)

    flow_file = send(refresh_bytes(many, file_id="RF000005"), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    cores = sorted(point.items["mpan_core"] for point in many)
    assert sorted(MeteringPoint.objects.values_list("pk", flat=True)) == cores
    meters = sum(1 for point in many for child in point.children if child.group_id == "R04")
    assert Meter.objects.count() == meters


def test_a_point_listed_twice_rejects_the_file_with_both_lines(monkeypatch, loaded, distributor):
    from registry import refresh

    monkeypatch.setattr(refresh, "CHUNK_ROWS", 4)
    before = registry_state()
    many = points(8, seed=3)
    data = refresh_bytes([*many, many[0]], file_id="RF000006")
    lines = data.splitlines()
    first, second = (
        n
        for n, line in enumerate(lines, 1)
        if line.startswith(b"R02|" + many[0].items["mpan_core"].encode())
    )

    flow_file = send(data, sender=distributor)

    assert flow_file.status == FlowFileStatus.REJECTED
    assert flow_file.errors[0]["line"] == second
    assert f"appears twice in the file (also on line {first})" in flow_file.errors[0]["reason"]
    assert registry_state() == before


def test_meter_information_with_an_installation_date_in_the_future_is_rejected(
    loaded, meter_operator
):
    mine = points(5)[0].items["mpan_core"]
    before = sorted(Meter.objects.filter(metering_point_id=mine).values_list("serial", "id"))
    lines = meter_information_bytes([mine]).split(b"\n")
    p02 = next(index for index, line in enumerate(lines) if line.startswith(b"P02|"))
    fields = lines[p02].split(b"|")
    fields[3] = b"20380625"
    lines[p02] = b"|".join(fields)

    flow_file = send(b"\n".join(lines), sender=meter_operator)

    assert (flow_file.accepted_count, flow_file.rejected_count) == (0, 1)
    reason = flow_file.errors[0]["reason"]
    assert "has an installation date in the future (25/06/2038)" in reason
    assert sorted(Meter.objects.filter(metering_point_id=mine).values_list("serial", "id")) == (
        before
    )
