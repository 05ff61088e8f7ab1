import pytest
from django.core.management import CommandError, call_command

from extracts.models import Extract, MigrationRun
from extracts.sftp import host_key_load_or_create
from tests.factories import MeterFactory, MeteringPointFactory, OrganisationFactory


@pytest.fixture
def two_mops(db, media_root):
    for mpid in ("MOPA", "MOPB"):
        OrganisationFactory(mpid=mpid, role_codes="M")
        MeterFactory(metering_point=MeteringPointFactory(mop_mpid=mpid))


def test_migration_run_start_then_status_shows_each_party_and_the_totals(
    two_mops, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("migration_run", "start", "--kind", "meter_technical_details", "--role", "M")
    run = MigrationRun.objects.get()

    call_command("migration_run", "status", str(run.pk))

    out = capsys.readouterr().out
    assert f"Migration run {run.pk} started: 2 parties." in out
    assert "MOPA  Generated" in out and "MOPB  Generated" in out
    assert "2 of 2 generated, 0 of 2 collected." in out


def test_migration_run_resume_queues_nothing_when_every_file_is_made(
    two_mops, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("migration_run", "start", "--kind", "meter_technical_details", "--role", "M")
    run = MigrationRun.objects.get()

    call_command("migration_run", "resume", str(run.pk))

    assert f"Migration run {run.pk}: 0 files queued again." in capsys.readouterr().out


def test_a_run_for_a_role_nobody_holds_is_refused_with_the_reason(db):
    with pytest.raises(CommandError, match="No active organisation holds the role C"):
        call_command("migration_run", "start", "--kind", "portfolio", "--role", "C")
    assert not Extract.objects.exists()


def test_an_unknown_run_says_so(db):
    with pytest.raises(CommandError, match="There is no migration run 999"):
        call_command("migration_run", "status", "999")


def test_the_host_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "keys" / "host_key"

    first = host_key_load_or_create(path)
    second = host_key_load_or_create(path)

    assert first.get_fingerprint() == second.get_fingerprint()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "keys" / "host_key.pub").read_bytes() == first.export_public_key()
