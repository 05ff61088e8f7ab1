"""Writes of the report archive: create a report, record a download, purge."""

import hashlib
import io
import logging
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from core.csvfile import CsvWriter
from reports.kinds import ReportKind
from reports.models import REPORTS_FOLDER, Report, ReportDownload
from reports.retention import report_available_until

logger = logging.getLogger(__name__)

# A file in the reports folder without a record is left alone for this long: it may be
# a report whose record has not committed yet.
ORPHAN_GRACE = timedelta(hours=1)


class ReportError(Exception):
    """A report cannot be made or served; the message is for the user."""


class ReportExpiredError(ReportError):
    def __init__(self, report: Report):
        self.report = report
        expired = timezone.localtime(report.available_until)
        super().__init__(
            f"This report expired at {expired:%H:%M} on {expired:%d/%m/%Y}: reports are "
            "kept for a limited time and then deleted."
        )


class _DigestingWriter(io.RawIOBase):
    """Writes bytes to a file, counting them and hashing them on the way."""

    def __init__(self, target):
        self.target = target
        self.size = 0
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def report_create(
    *,
    organisation: Organisation,
    kind: ReportKind | str,
    title: str,
    rows_header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    created_by: User | None = None,
) -> Report:
    """Write `rows` as a CSV file into storage and commit its record.

    The rows are streamed through a local temporary file, so a report of any size never
    sits in memory, and the storage copy is made in chunks (the same code serves the
    filesystem and S3-compatible storage). The file is stored before the record is
    written; if the record cannot be written the file is deleted again. A record that
    an outer transaction later rolls back leaves an orphan file, which the purge removes.
    """
    kind = ReportKind(kind)
    with tempfile.TemporaryFile() as spool:
        digesting = _DigestingWriter(spool)
        text = io.TextIOWrapper(digesting, encoding="utf-8", newline="", write_through=True)
        writer = CsvWriter(text)
        writer.writerow(rows_header)
        row_count = 0
        for row in rows:
            writer.writerow(row)
            row_count += 1
        text.flush()
        text.detach()
        spool.seek(0)
        name = default_storage.save(f"{REPORTS_FOLDER}/{uuid.uuid4().hex}.csv", File(spool))

    try:
        created_at = timezone.now()
        with transaction.atomic():
            report = Report.objects.create(
                organisation=organisation,
                kind=kind,
                title=title,
                created_at=created_at,
                available_until=report_available_until(created_at=created_at),
                file=name,
                size=digesting.size,
                sha256=digesting.digest.hexdigest(),
                row_count=row_count,
                created_by=created_by,
            )
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info(
        "Report %s created for %s: %s (%s rows, %s bytes)",
        report.pk,
        organisation.mpid,
        title,
        row_count,
        digesting.size,
    )
    return report


def report_download_record(
    *,
    report: Report,
    user: User | None = None,
    api_key: OrganisationApiKey | None = None,
    ip_address: str | None,
    via_api: bool = False,
) -> ReportDownload:
    """Audit one download by a user or by an organisation's API key; refuses an expired
    report (checked at this moment)."""
    if report.is_expired():
        raise ReportExpiredError(report)
    return ReportDownload.objects.create(
        report=report,
        report_title=report.title,
        organisation=report.organisation,
        user=None if api_key is not None else user,
        api_key=api_key,
        ip_address=ip_address,
        via_api=via_api,
    )


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    orphan_files: int


def report_purge_expired(*, now: datetime | None = None, chunk_size: int = 500) -> PurgeResult:
    """Delete expired reports and their files, then files that have no record.

    Each chunk is its own transaction; a chunk's files are deleted only after it has
    committed, so a rollback never leaves a record without its file. Rows another purge
    holds are skipped (SKIP LOCKED on PostgreSQL; SQLite serialises writers anyway), so
    two purges running at once share the work, and running it twice finds nothing left.
    """
    now = now or timezone.now()
    purged = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Report.objects.filter(available_until__lte=now)
                .order_by("available_until", "pk")
                .select_for_update(skip_locked=True)
                .values("pk", "organisation_id", "kind", "available_until", "file")[:chunk_size]
            )
            if not chunk:
                break
            Report.objects.filter(pk__in=[row["pk"] for row in chunk]).delete()
            transaction.on_commit(lambda chunk=chunk: _report_files_delete(chunk))
        purged += len(chunk)
    # File ages are measured on the clock that stamped the files, not on `now`.
    orphans = _report_orphan_files_delete(now=timezone.now())
    if purged or orphans:
        logger.info("Purge removed %s expired reports and %s orphan files", purged, orphans)
    return PurgeResult(reports=purged, orphan_files=orphans)


def _report_files_delete(chunk: list[dict]) -> None:
    for row in chunk:
        # A missing file is fine: a previous purge may have died after its commit.
        default_storage.delete(row["file"])
        logger.info(
            "Purged report %s (%s, organisation id %s, expired %s), file %s",
            row["pk"],
            row["kind"],
            row["organisation_id"],
            row["available_until"].isoformat(),
            row["file"],
        )


def _report_orphan_files_delete(*, now: datetime, batch_size: int = 500) -> int:
    try:
        _, names = default_storage.listdir(REPORTS_FOLDER)
    except FileNotFoundError:
        return 0
    deleted = 0
    cutoff = now - ORPHAN_GRACE
    for start in range(0, len(names), batch_size):
        paths = [f"{REPORTS_FOLDER}/{name}" for name in names[start : start + batch_size]]
        known = set(Report.objects.filter(file__in=paths).values_list("file", flat=True))
        for path in paths:
            if path in known:
                continue
            try:
                modified = default_storage.get_modified_time(path)
            except FileNotFoundError:
                continue  # deleted meanwhile, e.g. by a concurrent purge
            if modified > cutoff:
                continue
            default_storage.delete(path)
            deleted += 1
            logger.info("Purged orphan report file %s (modified %s)", path, modified.isoformat())
    return deleted
