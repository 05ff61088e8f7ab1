"""Receiving and applying DTC flow files: every entry point goes through here.

`flow_file_receive` stores the file and its checksum and (by default) queues the
Celery task; `flow_file_process` parses, checks the sender rules and applies the
flow in ONE transaction, so a file applies completely or not at all, and a crash
leaves nothing half-applied. A checksum is applied at most once (a partial unique
index on FlowFile backs this up). A rejected file can be processed again, e.g.
after an operator has accepted a new flow version in DTC_ACCEPTED_VERSIONS.
"""

import csv
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import MarketRole
from core.csvfile import CsvWriter
from core.text import count_noun
from dtc import DtcError, read_flow
from dtc.codes import DISTRIBUTORS
from registry import appliers, refresh
from registry.addresses import ADDRESS_TEXT_SQL
from registry.d0312_report import report_create_d0312_processing
from registry.errors import FlowFileError, FlowFileTooLarge, FlowProblem, FlowRejected
from registry.models import AddressWords, FlowFile, FlowFileChannel, FlowFileStatus
from registry.retirement import D0312RetiredError, d0312_ensure_not_retired
from registry.sender_rules import distributor_ids_of

logger = logging.getLogger(__name__)

# Distributor id -> its GSP group, for the DNO areas (IDNOs take theirs from the data).
_GSP_GROUPS = {distributor_id: d.gsp_group for distributor_id, d in DISTRIBUTORS.items()}
_READ_CHUNK = 1 << 20

Progress = Callable[[int, int], None]

# Files sent through the portal are limited in size (FLOW_UPLOAD_MAX_BYTES); the inbox
# and the command line, the operator's channels, take a whole area's refresh.
SIZE_LIMITED_CHANNELS = frozenset({FlowFileChannel.UPLOAD, FlowFileChannel.API})


def flow_upload_max_size_text() -> str:
    """FLOW_UPLOAD_MAX_BYTES for people: "50 MB" (or bytes, below a megabyte)."""
    size = settings.FLOW_UPLOAD_MAX_BYTES
    return f"{size:,} bytes" if size < 2**20 else f"{size / 2**20:,.1f} MB".replace(".0 MB", " MB")


def flow_upload_too_large_message() -> str:
    """What a sender is told when a file is over the limit (the page and the API)."""
    return (
        f"The file is larger than {flow_upload_max_size_text()}, the most the"
        " portal takes in one upload; nothing was stored. Split it into smaller files, or ask"
        " the service desk to load it through the flow inbox."
    )


def flow_file_receive(
    *,
    content: BinaryIO,
    original_name: str,
    channel: FlowFileChannel,
    sender: Organisation | None = None,
    submitted_by: User | None = None,
    queue: bool = True,
) -> FlowFile:
    """Store a received file and record it; queue its processing once committed.

    `sender` is the organisation sending it; None takes it from the file header when
    the file is processed (inbox, or a service admin sending on a party's behalf).
    Through the page or the API a file over FLOW_UPLOAD_MAX_BYTES raises FlowFileTooLarge
    before anything is stored.
    """
    limit = settings.FLOW_UPLOAD_MAX_BYTES if channel in SIZE_LIMITED_CHANNELS else None
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: content.read(_READ_CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            raise FlowFileTooLarge(flow_upload_too_large_message())
    content.seek(0)
    name = Path(original_name).name[:200] or "flow.txt"
    flow_file = FlowFile(
        original_name=name,
        size=size,
        sha256=digest.hexdigest(),
        sender=sender,
        submitted_by=submitted_by,
        channel=channel,
    )
    flow_file.stored_file.save(name, File(content, name=name), save=False)
    flow_file.save()
    logger.info("flow file %s received: %s (%d bytes)", flow_file.pk, name, size)
    if queue:
        flow_file_queue(flow_file_id=flow_file.pk)
    return flow_file


def flow_file_queue(*, flow_file_id: int) -> None:
    """Process the file in a Celery worker once the current transaction commits."""
    transaction.on_commit(lambda: _flow_file_task_send(flow_file_id))


def _flow_file_task_send(flow_file_id: int) -> None:
    from registry import tasks  # the task module imports this one

    try:
        tasks.flow_file_process.delay(flow_file_id)
    except Exception:
        # The broker is unreachable. The file stays "received" and
        # flow_files_requeue_waiting (every few minutes, from beat) sends it again.
        logger.exception("flow file %s could not be queued; it will be re-queued", flow_file_id)


# A file still "received" this long after it arrived lost its task (the broker was
# down when it was queued, or the message was lost): queue it again.
REQUEUE_AFTER = timedelta(minutes=10)


def flow_files_requeue_waiting(*, now: datetime | None = None) -> list[int]:
    """Queue again every file left waiting; processing is idempotent, so a file whose
    first task is merely late is applied once all the same."""
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    waiting = list(
        FlowFile.objects.filter(status=FlowFileStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for flow_file_id in waiting:
        _flow_file_task_send(flow_file_id)
    if waiting:
        logger.warning(
            "re-queued %s left received: %s", count_noun(len(waiting), "flow file"), waiting
        )
    return waiting


def flow_file_reprocess(*, flow_file_id: int) -> FlowFile:
    """Queue a rejected file again, e.g. after a flow version has been accepted."""
    with transaction.atomic():
        flow_file = FlowFile.objects.select_for_update().get(pk=flow_file_id)
        if flow_file.status != FlowFileStatus.REJECTED:
            raise FlowFileError(
                f"Only a rejected file can be processed again; this one is {flow_file.status}."
            )
        if flow_file.stored_file_removed_at:
            removed = timezone.localtime(flow_file.stored_file_removed_at)
            raise FlowFileError(
                f"File {flow_file.pk} cannot be processed again: its stored copy was removed on"
                f" {removed:%d/%m/%Y} (rejected files are kept"
                f" {count_noun(settings.FLOW_REJECTED_RETENTION_DAYS, 'day')})."
                " Send the file again."
            )
        flow_file.status = FlowFileStatus.RECEIVED
        flow_file.save(update_fields=["status"])
        flow_file_queue(flow_file_id=flow_file.pk)
    return flow_file


def flow_file_process(*, flow_file_id: int, progress: Progress | None = None) -> FlowFile:
    """Parse, check and apply one received file; safe to call again for the same id."""
    try:
        flow_file = FlowFile.objects.get(pk=flow_file_id)
        if flow_file.status == FlowFileStatus.APPLIED:
            return flow_file
        # Who sent it first: a file claiming to be another party's is refused before
        # anything is said about the files that party sent (the duplicate check).
        sender = _flow_file_sender(flow_file)
        flow_file = _flow_file_start(flow_file_id)
        if flow_file.status == FlowFileStatus.APPLIED:
            return flow_file
        with transaction.atomic():
            # The row lock makes a second worker given the same id wait, then find
            # the file applied.
            flow_file = FlowFile.objects.select_for_update().get(pk=flow_file_id)
            if flow_file.status == FlowFileStatus.APPLIED:
                return flow_file
            result = _flow_file_apply(flow_file, sender=sender, progress=progress)
            flow_file.status = FlowFileStatus.APPLIED
            flow_file.accepted_count = result.accepted
            flow_file.rejected_count = result.rejected
            flow_file.errors = [problem.as_dict() for problem in result.problems]
            flow_file.finished_at = timezone.now()
            flow_file.save(
                update_fields=[
                    "status",
                    "accepted_count",
                    "rejected_count",
                    "errors",
                    "finished_at",
                ]
            )
    except FlowRejected as rejected:
        return _flow_file_reject(flow_file_id, rejected.problem)
    except DtcError as error:
        problem = FlowProblem(
            reason=error.reason, line=error.line_no, group=error.group, item=error.item
        )
        return _flow_file_reject(flow_file_id, problem)
    except Exception:
        # Everything the file did was rolled back; say so instead of leaving the file
        # "processing" for ever, then let the task fail loudly.
        logger.exception("flow file %s failed", flow_file_id)
        _flow_file_reject(
            flow_file_id,
            FlowProblem(reason="internal error while applying; nothing was applied"),
        )
        raise
    logger.info(
        "flow file %s applied: %d accepted, %d rejected",
        flow_file.pk,
        flow_file.accepted_count,
        flow_file.rejected_count,
    )
    return flow_file


def _flow_file_start(flow_file_id: int) -> FlowFile:
    with transaction.atomic():
        flow_file = FlowFile.objects.select_for_update().get(pk=flow_file_id)
        if flow_file.status == FlowFileStatus.APPLIED:
            return flow_file
        earlier = (
            FlowFile.objects.filter(
                sha256=flow_file.sha256,
                status__in=[FlowFileStatus.PROCESSING, FlowFileStatus.APPLIED],
            )
            .exclude(pk=flow_file.pk)
            .first()
        )
        if earlier:
            raise FlowRejected(_duplicate_reason(earlier))
        flow_file.status = FlowFileStatus.PROCESSING
        flow_file.started_at = timezone.now()
        flow_file.finished_at = None
        flow_file.errors = []
        flow_file.accepted_count = flow_file.rejected_count = 0
        try:
            with transaction.atomic():
                flow_file.save()
        except IntegrityError:
            # Another copy claimed the checksum between our check and our save.
            raise FlowRejected("the same file is being processed already") from None
    return flow_file


def _duplicate_reason(earlier: FlowFile) -> str:
    if earlier.status == FlowFileStatus.APPLIED:
        when = timezone.localtime(earlier.finished_at or earlier.received_at)
        return (
            f"the same file (SHA-256 {earlier.sha256[:12]}...) was applied already as"
            f" file {earlier.pk} on {when:%d/%m/%Y %H:%M}"
        )
    return f"the same file is being processed already as file {earlier.pk}"


def _flow_file_sender(flow_file: FlowFile) -> Organisation:
    """Read the header and check who may send this flow; records flow and version."""
    with flow_file.stored_file.open("rb") as stream:
        header = _reader(stream).header
    FlowFile.objects.filter(pk=flow_file.pk).update(
        flow_id=header.flow_id, version=header.version, dtc_file_id=header.file_id
    )
    if header.flow_id == "D0312":
        try:
            d0312_ensure_not_retired(at=flow_file.received_at)
        except D0312RetiredError as retired:
            raise FlowRejected(str(retired), line=1, group="ZHV", item="flow_id") from None
    sender = flow_file.sender
    if sender is None:
        sender = Organisation.objects.filter(mpid=header.from_mpid).first()
        if sender is None:
            raise FlowRejected(
                f"no organisation with MPID {header.from_mpid} (the header's sender) is known",
                line=1,
                group="ZHV",
                item="from_mpid",
            )
        FlowFile.objects.filter(pk=flow_file.pk).update(sender=sender)
    elif header.from_mpid != sender.mpid:
        raise FlowRejected(
            f"the header says the file is from {header.from_mpid}, but {sender.mpid} sent it",
            line=1,
            group="ZHV",
            item="from_mpid",
        )
    if not sender.is_active:
        raise FlowRejected(f"{sender.mpid} is not an active organisation")
    role = MarketRole(header.flow.sender_role)
    if role not in sender.market_roles:
        held = ", ".join(f"{r.label} ({r.value})" for r in sender.market_roles)
        raise FlowRejected(
            f"{header.flow_id} may be sent only by a {role.label} (role {role.value});"
            f" {sender.mpid} holds: {held}",
            line=1,
            group="ZHV",
            item="from_role",
        )
    if header.from_role != role.value:
        raise FlowRejected(
            f"{header.flow_id} comes from role {role.value}, not {header.from_role}",
            line=1,
            group="ZHV",
            item="from_role",
        )
    return sender


def _reader(stream: BinaryIO):
    return read_flow(stream, accepted_versions=settings.DTC_ACCEPTED_VERSIONS)


class _CountingStream:
    """Reports how far through the file the parser is, every few megabytes."""

    def __init__(self, stream: BinaryIO, size: int, progress: Progress) -> None:
        self._stream, self._size, self._progress = stream, size, progress
        self._done = self._reported = 0

    def __iter__(self):
        for line in self._stream:
            self._done += len(line)
            if self._done - self._reported >= 4 * _READ_CHUNK:
                self._reported = self._done
                self._progress(self._done, self._size)
            yield line
        self._progress(self._size, self._size)


def _flow_file_apply(
    flow_file: FlowFile, *, sender: Organisation, progress: Progress | None
) -> appliers.ApplyResult:
    with flow_file.stored_file.open("rb") as stream:
        source = _CountingStream(stream, flow_file.size, progress) if progress else stream
        reader = _reader(source)
        flow_id = reader.header.flow_id
        if flow_id == "D0204":
            result = refresh.refresh_apply(
                reader,
                sender=refresh.RefreshSender(
                    mpid=sender.mpid, distributor_ids=distributor_ids_of(sender)
                ),
                gsp_groups=_GSP_GROUPS,
                path=_local_path(flow_file),
                accepted_versions=settings.DTC_ACCEPTED_VERSIONS,
                progress=progress,
            )
            distributor_id = result.distributor_id
            transaction.on_commit(lambda: _address_words_refresh_send(distributor_id))
            return result
        if flow_id == "D0312":
            return _meter_information_apply_with_report(reader, flow_file=flow_file, sender=sender)
        if flow_id == "D0386":
            return appliers.relationships_apply(
                reader, sender_mpid=sender.mpid, distributor_ids=distributor_ids_of(sender)
            )
    raise FlowRejected(f"{flow_id} files are not processed by this service")


def _address_words_refresh_send(distributor_id: str) -> None:
    from registry.tasks import address_words_refresh

    address_words_refresh.delay(distributor_id)


def address_words_refresh(*, distributor_id: str | None = None) -> int:
    """Bring the address search's words (and UPRNs) up to date with the registry, for one
    distributor's points (MPAN cores start with the distributor id) or all of them.

    Runs after each D0204 refresh has committed (a task), not inside it: cutting 100,000
    addresses into words and indexing them took longer than the refresh itself. Until
    it has run, an address search finds a refreshed point by its previous address
    words (the rows shown are always the registry's own). Idempotent; only changed
    addresses are written. Returns the rows written or removed.
    """
    low, high = ("", "~") if not distributor_id else (distributor_id, _next_prefix(distributor_id))
    table = AddressWords._meta.db_table
    text = ADDRESS_TEXT_SQL[connection.vendor]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mpan_core, text, uprn)"  # noqa: S608 - names from the code
            f" SELECT mpan_core, {text}, ltrim(uprn, '0') FROM registry_meteringpoint"
            " WHERE mpan_core >= %s AND mpan_core < %s"
            " ON CONFLICT (mpan_core) DO UPDATE SET text = excluded.text, uprn = excluded.uprn"
            f" WHERE {table}.text <> excluded.text OR {table}.uprn <> excluded.uprn",
            [low, high],
        )
        written = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {table} WHERE mpan_core >= %s AND mpan_core < %s"  # noqa: S608
            " AND NOT EXISTS (SELECT 1 FROM registry_meteringpoint p"
            f" WHERE p.mpan_core = {table}.mpan_core)",
            [low, high],
        )
        return written + cursor.rowcount


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _local_path(flow_file: FlowFile) -> Path | None:
    """The stored file's path, where the storage has one (the fast refresh path reads
    it in a second process)."""
    try:
        return Path(flow_file.stored_file.path)
    except NotImplementedError:
        return None


def _meter_information_apply_with_report(
    reader, *, flow_file: FlowFile, sender: Organisation
) -> appliers.ApplyResult:
    """Apply a D0312 and write its processing report for the sending MOP.

    Both happen in the transaction of `flow_file_process`: the report exists exactly when
    the file was applied. (Were the transaction to roll back after the report's file was
    stored, the reports purge removes that file as an orphan.) The outcomes are spooled
    to a temporary file, so a large D0312 never sits in memory.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        writer = CsvWriter(spool)
        result = appliers.meter_information_apply(
            reader, sender=sender, outcome=lambda *row: writer.writerow(row)
        )
        spool.seek(0)
        report_create_d0312_processing(
            organisation=sender,
            flow_file_name=flow_file.original_name,
            outcomes=csv.reader(spool),
        )
    return result


def _flow_file_reject(flow_file_id: int, problem: FlowProblem) -> FlowFile:
    FlowFile.objects.filter(pk=flow_file_id).update(
        status=FlowFileStatus.REJECTED,
        accepted_count=0,
        rejected_count=0,
        errors=[problem.as_dict()],
        finished_at=timezone.now(),
    )
    logger.info("flow file %s rejected: %s", flow_file_id, problem)
    return FlowFile.objects.get(pk=flow_file_id)


def flow_files_purge_rejected(*, now: datetime | None = None, chunk_size: int = 500) -> int:
    """Remove the stored copies of files rejected more than FLOW_REJECTED_RETENTION_DAYS
    ago (and an inbox file's copy in the inbox's rejected/ folder); their records
    (checksum, errors, sender) stay. Returns the files whose copies were removed.

    As the reports purge: each chunk is one transaction, rows another purge (or a
    reprocess) holds are skipped, and a chunk's files are deleted after it commits, so a
    record never says "removed" of a copy that is still used.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FLOW_REJECTED_RETENTION_DAYS)
    removed = 0
    while True:
        with transaction.atomic():
            chunk = list(
                FlowFile.objects.filter(
                    status=FlowFileStatus.REJECTED,
                    finished_at__lt=cutoff,
                    stored_file_removed_at__isnull=True,
                )
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", "stored_file", "channel")[:chunk_size]
            )
            if not chunk:
                break
            FlowFile.objects.filter(pk__in=[row[0] for row in chunk]).update(
                stored_file="", stored_file_removed_at=now
            )
            transaction.on_commit(lambda chunk=chunk: _stored_copies_delete(chunk))
        removed += len(chunk)
    if removed:
        logger.info("removed the stored copies of %s", count_noun(removed, "rejected flow file"))
    return removed


def _stored_copies_delete(chunk: list[tuple[int, str, str]]) -> None:
    rejected_inbox = Path(settings.FLOW_INBOX_DIR) / "rejected"
    for flow_file_id, name, channel in chunk:
        if name:
            # A missing file is fine: a purge may have died after its commit.
            default_storage.delete(name)
            logger.info("flow file %s: stored copy %s removed", flow_file_id, name)
        if channel == FlowFileChannel.INBOX and rejected_inbox.is_dir():
            # flow_inbox_scan moved it there as "<id>-<name>".
            for leftover in rejected_inbox.glob(f"{flow_file_id}-*"):
                leftover.unlink(missing_ok=True)
                logger.info("flow file %s: inbox copy %s removed", flow_file_id, leftover)


def flow_inbox_scan() -> list[FlowFile]:
    """Take every file in the inbox folder, apply it, and move it to processed/ or
    rejected/. A file is first claimed by renaming it, so two scans never share one."""
    inbox = Path(settings.FLOW_INBOX_DIR)
    claimed_dir, done = inbox / "claimed", []
    for folder in (claimed_dir, inbox / "processed", inbox / "rejected"):
        folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")):
        claimed = claimed_dir / path.name
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue  # another scan took it
        with claimed.open("rb") as content:
            flow_file = flow_file_receive(
                content=content,
                original_name=path.name,
                channel=FlowFileChannel.INBOX,
                queue=False,
            )
        try:
            flow_file_process(flow_file_id=flow_file.pk)
        finally:
            # Even when processing failed, the file leaves the inbox with its outcome.
            flow_file.refresh_from_db()
            outcome = "processed" if flow_file.status == FlowFileStatus.APPLIED else "rejected"
            shutil.move(claimed, inbox / outcome / f"{flow_file.pk}-{path.name}")
        done.append(flow_file)
    return done
