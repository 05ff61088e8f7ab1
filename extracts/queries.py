"""Reads of extracts: what an organisation sees, a run's progress, SFTP keys and files."""

from dataclasses import dataclass
from pathlib import Path

import asyncssh
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from extracts.models import Extract, ExtractStatus, MigrationRun, SshPublicKey
from reports.models import Report


def extracts_visible_to(*, user: User) -> QuerySet[Extract]:
    """The user's organisation's extracts, newest first (none without an organisation)."""
    if user.organisation_id is None:
        return Extract.objects.none()
    return (
        Extract.objects.filter(organisation_id=user.organisation_id)
        .select_related("report", "requested_by")
        .order_by("-requested_at", "-id")
    )


def ssh_keys_visible_to(*, user: User) -> QuerySet[SshPublicKey]:
    """Live keys: one's own, and every key of the organisation for its admins."""
    keys = SshPublicKey.objects.filter(removed_at__isnull=True).select_related("user")
    if user.organisation_id is None:
        return keys.none()
    if user.is_organisation_admin:
        return keys.filter(organisation_id=user.organisation_id)
    return keys.filter(user=user)


def sftp_key_owner(*, email: str, public_key: str) -> User | None:
    """The user this login may act as: a live key of theirs, the user active, the
    organisation active. None refuses the key."""
    key = (
        SshPublicKey.objects.filter(
            user__email=email.lower(),
            public_key=public_key,
            removed_at__isnull=True,
            user__is_active=True,
            organisation__is_active=True,
        )
        .select_related("user__organisation")
        .first()
    )
    if key is None or key.user.organisation_id != key.organisation_id:
        return None
    return key.user


def sftp_user_still_allowed(*, user_id: int) -> User | None:
    """Checked on every file operation: a deactivation takes effect within a session."""
    return (
        User.objects.filter(pk=user_id, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .first()
    )


def sftp_files(*, user: User) -> QuerySet[Report]:
    """The organisation's live files: its own reports that have not expired."""
    return Report.objects.filter(
        organisation_id=user.organisation_id, available_until__gt=timezone.now()
    ).order_by("-created_at", "-id")


def sftp_file_name(report: Report) -> str:
    """Unique in the folder: the id first, then the name the web download offers."""
    return f"{report.pk}-{report.download_name}"


@dataclass(frozen=True)
class RunTotals:
    parties: int
    generated: int
    collected: int
    failed: int

    @property
    def generated_text(self) -> str:
        return f"{self.generated} of {self.parties} generated"

    @property
    def collected_text(self) -> str:
        return f"{self.collected} of {self.parties} collected"


def migration_run_parties(run: MigrationRun) -> QuerySet[Extract]:
    return run.extracts.select_related("organisation", "first_collected_by").order_by(
        "organisation__mpid"
    )


def migration_run_totals(run: MigrationRun) -> RunTotals:
    rows = list(run.extracts.values_list("status", "first_collected_at"))
    return RunTotals(
        parties=len(rows),
        generated=sum(1 for status, _ in rows if status == ExtractStatus.DONE),
        collected=sum(1 for _, collected in rows if collected is not None),
        failed=sum(1 for status, _ in rows if status == ExtractStatus.FAILED),
    )


def sftp_host_key_fingerprint() -> str | None:
    """The SFTP server's host key fingerprint, for users to check on first connection;
    None until the server has made its key."""
    path = Path(f"{settings.SFTP_HOST_KEY_PATH}.pub")
    try:
        return asyncssh.read_public_key(path).get_fingerprint("sha256")
    except (OSError, asyncssh.KeyImportError):
        return None
