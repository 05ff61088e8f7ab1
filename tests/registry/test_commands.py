import pytest
from django.core.management import CommandError, call_command

from registry.models import FlowFileStatus, Meter, MeteringPoint, RelatedMpan


def test_generated_files_are_applied_by_ingest_flow(tmp_path, distributor, meter_operator, capsys):
    call_command(
        "generate_flows", "--metering-points", "300", "--out", tmp_path, "--distributor", "12"
    )
    refresh = tmp_path / "D0204_12_full.txt"

    call_command("ingest_flow", str(refresh), "--sender", "LOND")
    call_command("ingest_flow", str(tmp_path / "D0386_12.txt"))
    call_command("ingest_flow", str(tmp_path / "D0312_MTRW.txt"))

    out = capsys.readouterr().out
    assert "300 records accepted" in out
    assert "1 of 1 file applied." in out
    assert MeteringPoint.objects.count() == 300
    assert MeteringPoint.objects.values("postcode_key").distinct().count() < 300
    assert Meter.objects.count() >= 300
    assert RelatedMpan.objects.exists()
    assert all(core.startswith("12") for core in MeteringPoint.objects.values_list("pk", flat=True))
    assert set(MeteringPoint.objects.values_list("gsp_group", flat=True)) == {"_C"}


def test_ingest_flow_fails_when_a_file_is_rejected(tmp_path, distributor):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match=r"^0 of 1 file applied\.$"):
        call_command("ingest_flow", str(bad), "--sender", "LOND")


def test_the_inbox_moves_files_to_processed_or_rejected(settings, tmp_path, distributor):
    from registry.services import flow_inbox_scan

    settings.FLOW_INBOX_DIR = tmp_path / "inbox"
    call_command(
        "generate_flows",
        "--metering-points",
        "20",
        "--out",
        settings.FLOW_INBOX_DIR,
        "--distributor",
        "12",
    )
    (settings.FLOW_INBOX_DIR / "junk.txt").write_bytes(b"nonsense")

    done = flow_inbox_scan()

    by_name = {flow_file.original_name: flow_file.status for flow_file in done}
    assert by_name["D0204_12_full.txt"] == FlowFileStatus.APPLIED
    assert by_name["junk.txt"] == FlowFileStatus.REJECTED
    assert list((settings.FLOW_INBOX_DIR / "rejected").glob("*junk.txt"))
    assert list((settings.FLOW_INBOX_DIR / "processed").glob("*D0204_12_full.txt"))
    assert not [p for p in settings.FLOW_INBOX_DIR.iterdir() if p.is_file()]
