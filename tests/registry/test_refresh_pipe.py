"""The fast path of a refresh on PostgreSQL (a second process parses, text COPY) stores
exactly what the full reader stores, and hands every fault to the full reader."""

import logging
import os
from pathlib import Path

import billiard
import pytest
from django.db import connection
from django.forms.models import model_to_dict

from registry import refresh_pipe, services
from registry.models import FlowFileStatus, Meter, MeteringPoint
from tests.registry.conftest import points, refresh_bytes, send


@pytest.fixture
def on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")


@pytest.fixture
def processes(monkeypatch):
    """The parsing processes started, by file."""
    started = []
    real = refresh_pipe.ParsingProcess

    def spy(path, **options):
        started.append(path.name)
        return real(path, **options)

    monkeypatch.setattr("registry.refresh.ParsingProcess", spy)
    return started


def awkward_points():
    """Points whose values test the COPY text: a backslash, latin-1, blanks, spacing."""
    made = points(12, seed=4)
    address = made[0].children[0].items
    address["address_line_1"] = "Flat 2\\B"
    address["address_line_2"] = "Rue de l'\xc9glise"
    address["postcode"] = "sw1a  1aa"
    for name in ("supplier_mpid", "supplier_date", "uprn", "ihd_status", "dcc_service_flag"):
        made[1].items[name] = None
    made[2].children[0].items.update(dict.fromkeys(made[2].children[0].items))
    return made


def registry_rows() -> tuple:
    def row(obj):
        values = model_to_dict(obj)
        values.pop("updated_at", None)
        values.pop("id", None)
        return values

    return (
        sorted((row(p) for p in MeteringPoint.objects.all()), key=str),
        sorted((row(m) for m in Meter.objects.all()), key=str),
    )


def test_the_fast_path_stores_exactly_what_the_full_reader_stores(
    on_postgresql, distributor, processes, monkeypatch, caplog
):
    # DTC files are latin-1.
    data = refresh_bytes(awkward_points(), file_id="RF000010").decode().encode("latin-1")
    with monkeypatch.context() as slow:
        slow.setattr(services, "_local_path", lambda flow_file: None)
        assert send(data, sender=distributor).status == FlowFileStatus.APPLIED
    assert processes == []
    by_full_reader = registry_rows()
    MeteringPoint.objects.all().delete()

    with caplog.at_level(logging.INFO, logger="registry.refresh"):
        flow_file = send(data.replace(b"RF000010", b"RF000011"), sender=distributor)

    assert flow_file.status == FlowFileStatus.APPLIED
    assert flow_file.accepted_count == 12
    assert len(processes) == 1
    assert "declined" not in caplog.text  # the parsing process applied it
    assert registry_rows() == by_full_reader
    assert MeteringPoint.objects.filter(postcode_key="SW1A1AA").count() == 1


def test_a_fault_the_fast_path_declines_is_explained_by_the_full_reader(
    on_postgresql, distributor, processes
):
    data = refresh_bytes(points(3), file_id="RF000012").replace(b"|_C|", b"|_A|", 1)

    flow_file = send(data, sender=distributor)

    assert len(processes) == 1
    assert flow_file.status == FlowFileStatus.REJECTED
    assert flow_file.errors[0]["item"] == "gsp_group"
    assert flow_file.errors[0]["line"] == 3
    assert MeteringPoint.objects.count() == 0


def test_a_point_listed_twice_in_a_first_load_is_named_by_the_full_reader(
    on_postgresql, distributor, processes
):
    many = points(6, seed=5)
    data = refresh_bytes([*many, many[2]], file_id="RF000013")
    core = many[2].items["mpan_core"].encode()
    first, second = (n for n, line in enumerate(data.splitlines(), 1) if core in line)

    flow_file = send(data, sender=distributor)

    assert len(processes) == 1
    assert flow_file.status == FlowFileStatus.REJECTED
    assert flow_file.errors[0]["line"] == second
    assert f"also on line {first}" in flow_file.errors[0]["reason"]
    assert MeteringPoint.objects.count() == 0


def test_the_parsing_process_is_stopped_and_collected_when_the_reader_stops_early(
    on_postgresql, tmp_path
):
    stored = tmp_path / "refresh.txt"
    stored.write_bytes(refresh_bytes(points(50, seed=6), file_id="RF000014"))
    child = refresh_pipe.ParsingProcess(stored, accepted_versions=None, gsp_groups={}, chunk_rows=4)
    chunks = iter(child)
    first = next(chunks)
    pid = child._process.pid

    child.close()

    assert first[1] > 0
    assert child.refresh == ("F", "12")
    with pytest.raises(ProcessLookupError):  # stopped and collected: no zombie left
        os.kill(pid, 0)


def _points_parsed(path: str) -> int:
    child = refresh_pipe.ParsingProcess(
        Path(path), accepted_versions=None, gsp_groups={}, chunk_rows=4
    )
    try:
        return sum(points for _, points, _, _ in child)
    finally:
        child.close()


def test_a_celery_prefork_worker_can_start_the_parsing_process(tmp_path):
    # A prefork worker is a daemonic billiard process: the standard library's
    # multiprocessing refuses to start children there.
    stored = tmp_path / "refresh.txt"
    stored.write_bytes(refresh_bytes(points(9, seed=7), file_id="RF000015"))

    with billiard.Pool(1) as pool:
        parsed = pool.apply(_points_parsed, (str(stored),))

    assert parsed == 9
