from datetime import timedelta
from unittest import mock

import asyncssh
import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import AccountEvent, AccountEventKind
from accounts.roles import UserRole
from core.audit import AppendOnlyError
from extracts import services
from extracts.models import (
    Extract,
    ExtractDisclosure,
    ExtractStatus,
    PortfolioSubscription,
    SshPublicKey,
)
from reports.models import Report
from reports.services import report_download_record
from service_status.models import BroadcastUpdate
from tests.factories import (
    BroadcastFactory,
    MeterFactory,
    MeteringPointFactory,
    OrganisationFactory,
    UserFactory,
)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a service and run what it queued on commit (the tasks run eagerly)."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


@pytest.fixture
def nlen_admin(db, media_root):
    nlen = OrganisationFactory(mpid="NLEN", role_codes="X")
    MeteringPointFactory.create_batch(3, supplier_mpid="NLEN")
    return UserFactory(organisation=nlen, role=UserRole.ORGANISATION_ADMIN)


def test_an_organisation_admin_gets_the_portfolio_archived_with_checksum_and_disclosure(
    committed,
    nlen_admin,
):
    extract = committed(services.extract_request, user=nlen_admin)

    extract.refresh_from_db()
    assert extract.status == ExtractStatus.DONE
    report = extract.report
    assert (report.organisation, report.kind, report.row_count) == (
        nlen_admin.organisation,
        "portfolio",
        3,
    )
    assert report.download_name.endswith(".csv.gz")
    assert (extract.row_count, extract.sha256, extract.size) == (3, report.sha256, report.size)
    disclosure = ExtractDisclosure.objects.get()
    assert (disclosure.requested_by, disclosure.row_count, disclosure.trigger) == (
        nlen_admin,
        3,
        "on_demand",
    )
    with pytest.raises(AppendOnlyError):
        disclosure.delete()


def test_a_second_request_the_same_day_is_refused_and_nothing_is_made(committed, nlen_admin):
    committed(services.extract_request, user=nlen_admin)

    with pytest.raises(services.ExtractError, match="already requested 1 portfolio file today"):
        committed(services.extract_request, user=nlen_admin)

    assert Extract.objects.count() == 1 and Report.objects.count() == 1


def test_a_plain_user_cannot_request_an_extract(committed, nlen_admin):
    member = UserFactory(organisation=nlen_admin.organisation)

    with pytest.raises(services.ExtractError, match="Only an organisation admin"):
        committed(services.extract_request, user=member)
    assert not Extract.objects.exists()


def test_meter_technical_details_are_refused_to_an_organisation_without_the_mop_role(
    committed,
    nlen_admin,
):
    with pytest.raises(services.ExtractError, match="holding the role M"):
        committed(services.extract_request, user=nlen_admin, kind="meter_technical_details")


def test_generating_twice_makes_one_file_and_a_lost_claim_throws_its_file_away(nlen_admin):
    extract = Extract.objects.create(
        organisation=nlen_admin.organisation, kind="portfolio", trigger="on_demand"
    )
    real_write = services.portfolio_write

    def claimed_again_meanwhile(organisation, out):
        rows = real_write(organisation, out)
        services._claim(extract.pk)  # another worker took it over
        return rows

    with mock.patch.object(services, "portfolio_write", claimed_again_meanwhile):
        assert services.extract_generate(extract_id=extract.pk) is None
    assert not Report.objects.exists()

    services.extract_generate(extract_id=extract.pk)
    services.extract_generate(extract_id=extract.pk)  # a redelivery: nothing more

    extract.refresh_from_db()
    assert (extract.status, extract.attempts) == (ExtractStatus.DONE, 3)
    assert Report.objects.count() == 1 and ExtractDisclosure.objects.count() == 1


def test_the_weekly_subscription_makes_one_portfolio_per_week(committed, nlen_admin):
    services.portfolio_subscription_set(user=nlen_admin, subscribed=True)
    monday = timezone.now()

    assert committed(services.extracts_weekly_queue, now=monday) == 1
    assert committed(services.extracts_weekly_queue, now=monday) == 0
    assert committed(services.extracts_weekly_queue, now=monday + timedelta(days=7)) == 1

    assert Extract.objects.filter(trigger="weekly", status="done").count() == 2
    services.portfolio_subscription_set(user=nlen_admin, subscribed=False)
    assert not PortfolioSubscription.objects.exists()
    assert committed(services.extracts_weekly_queue, now=monday + timedelta(days=14)) == 0


def test_a_download_marks_the_extract_collected_once(committed, nlen_admin):
    extract = committed(services.extract_request, user=nlen_admin)
    extract.refresh_from_db()
    other = UserFactory(organisation=nlen_admin.organisation)

    report_download_record(report=extract.report, user=other, ip_address=None)
    report_download_record(report=extract.report, user=nlen_admin, ip_address=None, via_api=True)

    extract.refresh_from_db()
    assert (extract.first_collected_by, extract.first_collected_channel) == (other, "web")


@pytest.fixture
def mops(db, media_root):
    parties = [OrganisationFactory(mpid=mpid, role_codes="M") for mpid in ("MOPA", "MOPB")]
    OrganisationFactory(mpid="MOPC", role_codes="M", is_active=False)
    OrganisationFactory(mpid="SUPP", role_codes="X")
    for party in parties:
        MeterFactory(metering_point=MeteringPointFactory(mop_mpid=party.mpid))
    return parties


def test_a_migration_run_makes_one_file_per_active_party_holding_the_role(
    committed, mops, service_admin
):
    run = committed(
        services.migration_run_start,
        kind="meter_technical_details",
        role_code="M",
        actor=service_admin,
    )

    files = {e.organisation.mpid: e for e in run.extracts.select_related("organisation")}
    assert sorted(files) == ["MOPA", "MOPB"]
    assert all(e.status == ExtractStatus.DONE and e.row_count == 1 for e in files.values())
    with pytest.raises(IntegrityError):
        Extract.objects.create(
            organisation=mops[0], kind="meter_technical_details", trigger="migration_run", run=run
        )


def test_resuming_a_run_queues_only_what_is_not_generated(committed, mops, service_admin):
    run = committed(
        services.migration_run_start,
        kind="meter_technical_details",
        role_code="M",
        actor=service_admin,
    )
    stalled = run.extracts.first()
    Extract.objects.filter(pk=stalled.pk).update(status="running", report=None)

    assert committed(services.migration_run_resume, run=run) == 1

    stalled.refresh_from_db()
    assert stalled.status == ExtractStatus.DONE and stalled.attempts == 2
    assert Report.objects.count() == 3  # the first file of the stalled one is an orphan


def test_only_a_service_admin_starts_a_run_and_a_bad_role_says_why(committed, mops, service_admin):
    admin_of_a_party = UserFactory(organisation=mops[0], role=UserRole.ORGANISATION_ADMIN)
    with pytest.raises(services.ExtractError, match="Only a service admin"):
        committed(
            services.migration_run_start,
            kind="meter_technical_details",
            role_code="M",
            actor=admin_of_a_party,
        )
    with pytest.raises(services.ExtractError, match="made only for role M"):
        committed(services.migration_run_start, kind="meter_technical_details", role_code="X")
    with pytest.raises(services.ExtractError, match="'Q' is not a market role code"):
        committed(services.migration_run_start, kind="portfolio", role_code="Q")
    assert not Extract.objects.exists()


def test_the_broadcast_is_posted_once_every_file_is_generated(committed, mops, service_admin):
    broadcast = BroadcastFactory(title="DTC 12.5 release weekend")
    run = committed(
        services.migration_run_start,
        kind="meter_technical_details",
        role_code="M",
        actor=service_admin,
    )

    services.migration_run_broadcast(run=run, actor=service_admin)

    update = BroadcastUpdate.objects.get()
    assert update.broadcast == broadcast
    assert update.text == services.MIGRATION_BROADCAST_TEXT
    with pytest.raises(services.ExtractError, match="already been posted"):
        services.migration_run_broadcast(run=run, actor=service_admin)


def test_the_broadcast_waits_for_every_file(committed, mops, service_admin):
    run = committed(services.migration_run_start, kind="meter_technical_details", role_code="M")
    run.extracts.filter(organisation=mops[0]).update(status="queued")

    with pytest.raises(services.ExtractError, match="1 file is not generated yet"):
        services.migration_run_broadcast(run=run, actor=service_admin)
    assert not BroadcastUpdate.objects.exists()


def _public_key() -> str:
    return asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()


def test_a_user_adds_a_key_and_the_audit_says_so(member):
    key = services.ssh_key_add(user=member, name="laptop", text=_public_key())

    assert key.fingerprint.startswith("SHA256:") and key.organisation == member.organisation
    event = AccountEvent.objects.get(kind=AccountEventKind.SSH_KEY_ADDED)
    assert (event.actor, event.subject, event.detail) == (
        member,
        member,
        f"laptop: {key.fingerprint}",
    )


def test_a_private_key_a_bad_key_and_a_duplicate_are_refused(member):
    private = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(services.ExtractError, match="That is a private key"):
        services.ssh_key_add(user=member, name="oops", text=private.export_private_key().decode())
    with pytest.raises(services.ExtractError, match="not an SSH public key"):
        services.ssh_key_add(user=member, name="oops", text="ssh-ed25519 not-base64")
    text = private.export_public_key().decode()
    services.ssh_key_add(user=member, name="one", text=text)
    with pytest.raises(services.ExtractError, match="already registered"):
        services.ssh_key_add(user=member, name="two", text=text)
    assert SshPublicKey.objects.count() == 1


def test_an_admin_removes_a_members_key_but_another_organisations_admin_cannot(
    member, org_admin, outsider_admin
):
    key = services.ssh_key_add(user=member, name="laptop", text=_public_key())

    with pytest.raises(services.ExtractError, match="only your own keys"):
        services.ssh_key_remove(actor=outsider_admin, key=key)
    key.refresh_from_db()
    assert key.removed_at is None

    services.ssh_key_remove(actor=org_admin, key=key)

    key.refresh_from_db()
    assert key.removed_by == org_admin
    event = AccountEvent.objects.get(kind=AccountEventKind.SSH_KEY_REMOVED)
    assert (event.actor, event.subject) == (org_admin, member)
