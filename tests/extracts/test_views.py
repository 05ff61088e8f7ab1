import asyncssh
import pytest

from accounts.roles import UserRole
from extracts.models import Extract, SshPublicKey
from extracts.services import extract_generate, extract_request, ssh_key_add
from extracts.sftp import host_key_load_or_create
from reports.models import ReportDownload
from tests.factories import MeteringPointFactory, UserFactory


def _public_key() -> str:
    return asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()


@pytest.fixture
def made(org_admin, media_root):
    """A portfolio of organisation A, generated."""
    MeteringPointFactory(supplier_mpid=org_admin.organisation.mpid)
    extract = extract_request(user=org_admin)
    extract_generate(extract_id=extract.pk)
    extract.refresh_from_db()
    return extract


def test_the_page_lists_the_organisations_files_with_checksum_and_download(client, member, made):
    client.force_login(member)

    page = client.get("/extracts/").content.decode()

    assert made.sha256 in page
    assert f"/reports/{made.report.pk}/download/" in page
    assert "Request our portfolio now" not in page  # members do not request


def test_an_admin_requests_once_and_is_told_to_wait_until_tomorrow(
    client, org_admin, media_root, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/extracts/request/", follow=True)
    second = client.post("/extracts/request/", follow=True)

    assert "Your portfolio is being made" in first.content.decode()
    assert "already requested 1 portfolio file today" in second.content.decode()
    assert Extract.objects.count() == 1


def test_another_organisations_extract_is_a_404_and_is_not_audited(client, outsider_admin, made):
    client.force_login(outsider_admin)

    response = client.get(f"/reports/{made.report.pk}/download/")

    assert response.status_code == 404
    assert made.sha256 not in client.get("/extracts/").content.decode()
    assert not ReportDownload.objects.exists()


def test_a_gzip_portfolio_downloads_as_gzip_and_is_marked_collected(client, member, made):
    client.force_login(member)

    response = client.get(f"/reports/{made.report.pk}/download/")

    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"].endswith('.csv.gz"')
    made.refresh_from_db()
    assert (made.first_collected_by, made.first_collected_channel) == (member, "web")


def test_a_user_adds_a_key_and_sees_the_host_fingerprint(client, member, settings, tmp_path):
    settings.SFTP_HOST_KEY_PATH = tmp_path / "host_key"
    host_key = host_key_load_or_create(settings.SFTP_HOST_KEY_PATH)
    client.force_login(member)

    response = client.post(
        "/extracts/ssh-keys/", {"name": "laptop", "public_key": _public_key()}, follow=True
    )

    page = response.content.decode()
    assert "Key “laptop” added" in page
    assert host_key.get_fingerprint("sha256") in page
    assert SshPublicKey.objects.get().user == member


def test_a_bad_key_is_refused_with_the_reason_and_nothing_is_stored(client, member):
    client.force_login(member)

    response = client.post("/extracts/ssh-keys/", {"name": "laptop", "public_key": "hello"})

    assert response.status_code == 400
    assert "That is not an SSH public key" in response.content.decode()
    assert not SshPublicKey.objects.exists()


def test_a_member_sees_only_their_own_keys_and_the_admin_sees_all(client, member, org_admin):
    colleague = UserFactory(organisation=member.organisation)
    ssh_key_add(user=member, name="mine", text=_public_key())
    ssh_key_add(user=colleague, name="colleague's", text=_public_key())

    client.force_login(member)
    as_member = client.get("/extracts/ssh-keys/").content.decode()
    client.force_login(org_admin)
    as_admin = client.get("/extracts/ssh-keys/").content.decode()

    assert "mine" in as_member and "colleague&#x27;s" not in as_member
    assert "mine" in as_admin and "colleague&#x27;s" in as_admin


def test_a_member_cannot_remove_a_colleagues_key_nor_an_outsider_any(
    client, member, outsider_admin
):
    colleague = UserFactory(organisation=member.organisation, role=UserRole.USER)
    key = ssh_key_add(user=colleague, name="theirs", text=_public_key())

    for intruder in (member, outsider_admin):
        client.force_login(intruder)
        assert client.post(f"/extracts/ssh-keys/{key.pk}/remove/").status_code == 404

    key.refresh_from_db()
    assert key.removed_at is None
