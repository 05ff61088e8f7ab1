"""Acceptance 1: the real `manage.py sftp_server` process and a real SFTP client."""

import hashlib
from datetime import timedelta

import asyncssh
import pytest
from django.utils import timezone

from accounts.models import AccountEvent, AccountEventKind
from extracts.models import Extract, ExtractStatus
from extracts.queries import sftp_file_name
from extracts.services import migration_run_start, ssh_key_remove
from reports.models import Report, ReportDownload
from tests.extracts.conftest import party_with_key
from tests.factories import MeterFactory, MeteringPointFactory, ReportFactory

pytestmark = pytest.mark.worker


@pytest.fixture
def mops(sftp_server):
    """Two MOPs with keys, each with an appointed point and meter, and a migration run."""
    mtrw, otherm = party_with_key("MTRW"), party_with_key("OTHM")
    for mpid in ("MTRW", "OTHM"):
        MeterFactory(metering_point=MeteringPointFactory(mop_mpid=mpid))
    run = migration_run_start(kind="meter_technical_details", role_code="M")  # eager tasks
    return mtrw, otherm, run


def _file_of(party) -> Report:
    return Report.objects.get(organisation=party.organisation)


async def _names(client) -> list[str]:
    return sorted(await client.listdir("."))


def test_a_party_logs_in_with_its_key_lists_downloads_and_the_checksum_matches(sftp_server, mops):
    mtrw, _, run = mops
    report = _file_of(mtrw)

    async def collect(client):
        names = await client.listdir("/")
        async with client.open(sftp_file_name(report), "rb") as remote:
            return names, await remote.read()

    names, data = sftp_server.as_party(mtrw, collect)

    assert sorted(names) == [".", "..", sftp_file_name(report)]
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert data.startswith(b"ZHV|") and b"|D0312002|Z|ECOE|M|MTRW|" in data
    download = ReportDownload.objects.get()
    assert (download.report, download.user, download.channel) == (report, mtrw.user, "sftp")
    extract = Extract.objects.get(run=run, organisation=mtrw.organisation)
    assert extract.first_collected_by == mtrw.user
    assert extract.first_collected_channel == "sftp"
    assert extract.first_collected_at == download.downloaded_at
    other = Extract.objects.get(run=run, organisation__mpid="OTHM")
    assert other.first_collected_at is None
    assert AccountEvent.objects.filter(
        kind=AccountEventKind.SFTP_LOGGED_IN, subject=mtrw.user
    ).exists()


def test_another_organisations_files_are_invisible_and_cannot_be_opened(sftp_server, mops):
    mtrw, otherm, _ = mops
    their_report = _file_of(otherm)
    theirs = sftp_file_name(their_report)

    async def probe(client):
        names = await client.listdir(".")
        outcomes = []
        for path in (theirs, "/" + theirs, f"{their_report.pk}-anything.txt"):
            try:
                await client.stat(path)
            except asyncssh.SFTPNoSuchFile as error:
                outcomes.append(error.reason)
            try:
                async with client.open(path, "rb"):
                    outcomes.append("opened!")
            except asyncssh.SFTPNoSuchFile as error:
                outcomes.append(error.reason)
        return names, outcomes

    names, outcomes = sftp_server.as_party(mtrw, probe)

    assert theirs not in names
    assert outcomes == ["No such file in your organisation's folder."] * 6
    assert not ReportDownload.objects.exists()


def test_writes_renames_deletes_links_and_folders_are_refused_as_permission_denied(
    sftp_server, mops
):
    mtrw, _, _ = mops
    mine = sftp_file_name(_file_of(mtrw))

    async def attempts(client):
        refused = {}
        operations = {
            "write new": lambda: client.open("new.txt", "wb"),
            "overwrite": lambda: client.open(mine, "r+b"),
            "append": lambda: client.open(mine, "ab"),
            "rename": lambda: client.rename(mine, "renamed.txt"),
            "delete": lambda: client.remove(mine),
            "symlink": lambda: client.symlink(mine, "link.txt"),
            "mkdir": lambda: client.mkdir("folder"),
            "chmod": lambda: client.chmod(mine, 0o777),
        }
        for label, operation in operations.items():
            try:
                result = operation()
                if hasattr(result, "__aenter__"):
                    async with result:
                        pass
                else:
                    await result
                refused[label] = "allowed!"
            except asyncssh.SFTPPermissionDenied as error:
                refused[label] = error.reason
        return refused, await _names(client)

    refused, names = sftp_server.as_party(mtrw, attempts)

    assert set(refused.values()) <= {
        "This folder is read-only: files can be listed and downloaded, nothing else.",
        "This folder is read-only: files can be listed and downloaded, nothing else. "
        "Links cannot be made.",
    }, refused
    assert names == [".", "..", mine]
    assert Report.objects.count() == 2


def test_path_traversal_and_absolute_paths_outside_the_folder_are_refused(sftp_server, mops):
    mtrw, _, _ = mops

    async def escape(client):
        outcomes = {}
        for path in ("../", "../../etc/passwd", "/../etc/passwd", "a/../b", "/etc/passwd"):
            try:
                await client.listdir(path) if path.endswith("/") else await client.stat(path)
                outcomes[path] = "allowed!"
            except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPNoSuchFile) as error:
                outcomes[path] = (type(error).__name__, error.reason)
        return outcomes

    outcomes = sftp_server.as_party(mtrw, escape)

    dot_dot = (
        "SFTPPermissionDenied",
        "Paths may not contain '..': there is one folder, with no way out of it.",
    )
    assert outcomes == {
        "../": dot_dot,
        "../../etc/passwd": dot_dot,
        "/../etc/passwd": dot_dot,
        "a/../b": dot_dot,
        "/etc/passwd": ("SFTPNoSuchFile", "No such file in your organisation's folder."),
    }


def _refused_login(sftp_server, email, key) -> str:
    async def nothing(client):
        return "logged in!"

    with pytest.raises((asyncssh.PermissionDenied, asyncssh.DisconnectError)) as refused:
        sftp_server.session(email, key, nothing)
    return str(refused.value)


def test_a_wrong_key_a_removed_key_a_deactivated_user_and_an_inactive_organisation_are_refused(
    sftp_server, mops
):
    mtrw, otherm, _ = mops
    stranger_key = asyncssh.generate_private_key("ssh-ed25519")
    assert _refused_login(sftp_server, mtrw.user.email, stranger_key)
    # Another user's registered key does not log in as this user.
    assert _refused_login(sftp_server, mtrw.user.email, otherm.private_key)

    key = mtrw.user.ssh_keys.get()
    ssh_key_remove(actor=mtrw.user, key=key)
    assert _refused_login(sftp_server, mtrw.user.email, mtrw.private_key)

    otherm.user.is_active = False
    otherm.user.save(update_fields=["is_active"])
    assert _refused_login(sftp_server, otherm.user.email, otherm.private_key)

    third = party_with_key("THRD")
    third.organisation.is_active = False
    third.organisation.save(update_fields=["is_active"])
    assert _refused_login(sftp_server, third.user.email, third.private_key)

    assert AccountEvent.objects.filter(kind=AccountEventKind.SFTP_LOGIN_FAILED).count() >= 4
    assert not AccountEvent.objects.filter(kind=AccountEventKind.SFTP_LOGGED_IN).exists()


def test_an_expired_file_is_gone_from_the_folder_and_cannot_be_opened(sftp_server, mops):
    mtrw, _, _ = mops
    report = _file_of(mtrw)
    name = sftp_file_name(report)
    past = timezone.now() - timedelta(seconds=1)
    Report.objects.filter(pk=report.pk).update(
        created_at=past - timedelta(days=92), available_until=past
    )

    async def look(client):
        names = await client.listdir(".")
        try:
            async with client.open(name, "rb"):
                return names, "opened!"
        except asyncssh.SFTPNoSuchFile as error:
            return names, error.reason

    names, reason = sftp_server.as_party(mtrw, look)

    assert names == [".", ".."]
    assert reason == "No such file in your organisation's folder."
    assert not ReportDownload.objects.exists()


def test_too_many_failed_logins_from_an_address_are_refused_even_with_a_good_key(sftp_server, mops):
    mtrw, _, _ = mops
    wrong = asyncssh.generate_private_key("ssh-ed25519")
    for _ in range(4):  # SFTP_MAX_FAILURES of the fixture's server
        _refused_login(sftp_server, "nobody@nowhere.example", wrong)

    message = _refused_login(sftp_server, mtrw.user.email, mtrw.private_key)

    assert "Too many failed logins from your address" in message


def test_offline_mode_refuses_new_sessions_with_the_reason(sftp_server, mops):
    from service_status.services import service_mode_set

    mtrw, _, _ = mops
    service_mode_set(
        mode="offline",
        reason="DTC 12.5 deployment",
        until=timezone.now() + timedelta(hours=2),
        actor_label="the service desk",
    )

    message = _refused_login(sftp_server, mtrw.user.email, mtrw.private_key)

    assert "The enquiry service is offline until" in message
    assert "SFTP is not available" in message


def test_a_file_of_any_kind_in_the_archive_is_listed_for_its_organisation(sftp_server):
    party = party_with_key("NLEN", "X")
    report = ReportFactory(organisation=party.organisation, title="Bulk search result")

    names = sftp_server.as_party(party, _names)

    assert names == [".", "..", sftp_file_name(report)]
    assert Extract.objects.filter(status=ExtractStatus.DONE).count() == 0
