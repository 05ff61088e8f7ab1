"""Writes for bulk search: submit a list, run it (the Celery task calls this), cancel it.

Submitting reads and checks the whole list at once (search.parsing validates each row),
counts it against the organisation's daily bulk quota, stores the normalised list and
queues the task once the job is committed.

Running is idempotent and safe to redeliver: each delivery claims the job with a new
run token and starts from the first row; progress is saved after every batch with the
token, so a run that has been cancelled or taken over stops at its next batch. The
result is spooled to a local temporary file while the batches run, then written into
the report archive (reports.services.report_create) in the same transaction that marks
the job done: a crash at any point leaves either no result or exactly one.
"""

import json
import logging
import tempfile
import uuid
from collections.abc import Iterator
from typing import TextIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from bulk.inputs import (
    KIND_LABELS,
    BulkInputError,
    InputRow,
    bulk_input_decode,
    bulk_input_from_values,
    bulk_input_read,
)
from bulk.models import INPUTS_FOLDER, BulkSearch, BulkSearchStatus
from bulk.queries import bulk_rows_today, metering_points_by_key
from reports.kinds import ReportKind
from reports.services import report_create
from search.models import SearchChannel
from search.parsing import SearchKind
from search.presentation import CSV_HEADER, csv_row

logger = logging.getLogger(__name__)

# Keys looked up per query: a few thousand MPAN cores or serials; fewer postcodes, as a
# postcode holds about 18 metering points (some hold thousands).
BATCH_SIZES = {SearchKind.MPAN: 2000, SearchKind.SERIAL: 2000, SearchKind.POSTCODE: 250}
# Rows that cannot be searched kept on the job for the screens and the API; the result
# file lists all of them.
BAD_ROWS_KEPT = 1000
PASTED_LIST = "pasted list"


class MatchStatus:
    MATCHED = "matched"
    NOT_FOUND = "not found"
    INVALID = "invalid"


RESULT_HEADER = ("Line", "Input", "Status", "Reason", *CSV_HEADER)
_NO_POINT = ("",) * len(CSV_HEADER)


class BulkSearchError(Exception):
    """A bulk search cannot be submitted, run or cancelled; the message says why."""


class BulkQuotaExceeded(BulkSearchError):
    """The list would take the organisation over today's bulk search quota."""


class _Stopped(Exception):
    """The run was cancelled, or another delivery of the task has taken it over."""


# --- Submitting ---------------------------------------------------------------------------


def bulk_search_submit(
    *,
    organisation: Organisation | None,
    kind: SearchKind | str,
    channel: SearchChannel,
    data: bytes | None = None,
    text: str | None = None,
    values: list[str] | None = None,
    source_name: str = PASTED_LIST,
    user: User | None = None,
    api_key: OrganisationApiKey | None = None,
    ip_address: str | None = None,
) -> BulkSearch:
    """Check a list (uploaded bytes, pasted text or separate values), record the job and
    queue its run."""
    if organisation is None:
        raise BulkSearchError(
            "Your account is not attached to an organisation. Ask the service desk to attach it."
        )
    max_bytes = settings.BULK_SEARCH_MAX_BYTES
    max_rows = settings.BULK_SEARCH_MAX_ROWS
    try:
        if values is not None:
            parsed = bulk_input_from_values(values, kind=kind, max_rows=max_rows)
        else:
            if text is None:
                text = bulk_input_decode(data or b"", max_bytes=max_bytes)
            elif len(text.encode()) > max_bytes:
                raise BulkInputError(
                    f"A bulk search list is at most {max_bytes / 2**20:,.0f} MB; upload a "
                    "file or split the list."
                )
            parsed = bulk_input_read(text, kind=kind, max_rows=max_rows)
    except BulkInputError as error:
        raise BulkSearchError(str(error)) from None
    good = parsed.good_count
    bad = parsed.bad_rows
    if not good:
        listed = "; ".join(f"line {row.line}: {row.error}" for row in bad[:3])
        raise BulkSearchError(f"No row of the list can be searched ({listed}).")

    name = default_storage.save(
        f"{INPUTS_FOLDER}/{uuid.uuid4().hex}.jsonl", ContentFile(_input_lines(parsed.rows))
    )
    try:
        with transaction.atomic():
            # One submission at a time per organisation, so two lists cannot both fit
            # into the quota's last rows.
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
            _quota_check(organisation=organisation, rows=good)
            job = BulkSearch.objects.create(
                organisation=organisation,
                user=user if user is not None and user.is_authenticated else None,
                api_key=api_key,
                channel=channel,
                ip_address=ip_address or None,
                kind=parsed.kind.value,
                source_name=(source_name or PASTED_LIST)[:200],
                input_file=name,
                total_rows=good,
                bad_row_count=len(bad),
                bad_rows=[
                    {"line": row.line, "value": row.value[:100], "reason": row.error}
                    for row in bad[:BAD_ROWS_KEPT]
                ],
            )
            bulk_search_queue(bulk_search_id=job.pk)
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info(
        "Bulk search %s submitted for %s by %s: %s %s rows, %s bad",
        job.pk,
        organisation.mpid,
        user or api_key,
        good,
        job.kind,
        len(bad),
    )
    return job


def _input_lines(rows: list[InputRow]) -> bytes:
    return "".join(
        json.dumps([row.line, row.value, row.key, row.error], ensure_ascii=False) + "\n"
        for row in rows
    ).encode()


def _quota_check(*, organisation: Organisation, rows: int) -> None:
    quota = settings.BULK_SEARCH_DAILY_ROWS
    used = bulk_rows_today(organisation=organisation)
    if used + rows > quota:
        raise BulkQuotaExceeded(
            f"Your organisation may search {quota:,} rows a day in bulk and has used "
            f"{used:,} today; this list has {rows:,} rows to search. Submit a shorter list, "
            "or try again from midnight, UK time."
        )


def bulk_search_queue(*, bulk_search_id: int) -> None:
    """Run the job in a Celery worker once the current transaction has committed."""
    from bulk import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.bulk_search_run.delay(bulk_search_id))


# --- Cancelling ---------------------------------------------------------------------------


def bulk_search_cancel(*, bulk_search_id: int) -> BulkSearch:
    """Stop a queued or running job; a running one stops after its current batch."""
    with transaction.atomic():
        job = BulkSearch.objects.select_for_update().get(pk=bulk_search_id)
        if not job.is_active:
            raise BulkSearchError(
                f"This bulk search has already ended ({job.get_status_display().lower()})."
            )
        job.status = BulkSearchStatus.CANCELLED
        job.finished_at = job.updated_at = timezone.now()
        _input_forget(job)
        job.save(update_fields=["status", "finished_at", "updated_at", "input_file"])
    logger.info("Bulk search %s cancelled after %s rows", job.pk, job.processed)
    return job


def _input_forget(job: BulkSearch) -> None:
    """Delete the stored list once the change commits: an ended job needs it no more."""
    name = job.input_file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
    job.input_file = ""


# --- Running ------------------------------------------------------------------------------


def bulk_search_run(*, bulk_search_id: int) -> BulkSearch:
    """Look the list up batch by batch and put the result into the report archive."""
    token = uuid.uuid4().hex
    job = _claim(bulk_search_id, token)
    if job is None:
        return BulkSearch.objects.get(pk=bulk_search_id)
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            processed, matched = _lookups_spool(job, token, spool)
            spool.seek(0)
            return _finish(job, token, spool, processed=processed, matched=matched)
    except _Stopped:
        return BulkSearch.objects.get(pk=bulk_search_id)
    except BulkSearchError as error:
        return _fail(job, token, str(error))
    except Exception:
        logger.exception("Bulk search %s failed", job.pk)
        return _fail(
            job,
            token,
            "The search stopped because of an internal error. Submit the list again; if it "
            f"fails again, tell the service desk (bulk search {job.pk}).",
        )


def _claim(bulk_search_id: int, token: str) -> BulkSearch | None:
    with transaction.atomic():
        job = BulkSearch.objects.select_for_update().get(pk=bulk_search_id)
        if not job.is_active:
            return None  # done, failed or cancelled: a redelivery changes nothing
        if job.status == BulkSearchStatus.RUNNING:
            logger.warning("Bulk search %s delivered again: starting it afresh", job.pk)
        now = timezone.now()
        job.status = BulkSearchStatus.RUNNING
        job.run_token = token
        job.attempts += 1
        job.processed = job.matched = 0
        job.started_at = job.started_at or now
        job.updated_at = now
        job.save(
            update_fields=[
                "status",
                "run_token",
                "attempts",
                "processed",
                "matched",
                "started_at",
                "updated_at",
            ]
        )
    return job


def _batches(job: BulkSearch) -> Iterator[list[InputRow]]:
    """The stored rows in order, cut so that each batch holds BATCH_SIZES[kind] good rows."""
    size = BATCH_SIZES[SearchKind(job.kind)]
    if not job.input_file.name or not default_storage.exists(job.input_file.name):
        raise BulkSearchError("The list of this search is no longer stored; submit it again.")
    batch: list[InputRow] = []
    good = 0
    with default_storage.open(job.input_file.name, "rb") as stored:
        for line in stored:
            number, value, key, error = json.loads(line)
            batch.append(InputRow(number, value, key, error))
            if not error:
                good += 1
                if good == size:
                    yield batch
                    batch, good = [], 0
    if batch:
        yield batch


def _lookups_spool(job: BulkSearch, token: str, spool: TextIO) -> tuple[int, int]:
    processed = matched = 0
    for batch in _batches(job):
        found = metering_points_by_key(kind=job.kind, keys=[row.key for row in batch if row.key])
        for row in batch:
            head = (row.line, row.value)
            if row.error:
                _spool_write(spool, (*head, MatchStatus.INVALID, row.error, *_NO_POINT))
                continue
            processed += 1
            points = found.get(row.key)
            if not points:
                _spool_write(spool, (*head, MatchStatus.NOT_FOUND, "", *_NO_POINT))
                continue
            matched += 1
            for point in points:
                _spool_write(spool, (*head, MatchStatus.MATCHED, "", *csv_row(point)))
        _progress_save(job, token, processed=processed, matched=matched)
    return processed, matched


def _spool_write(spool: TextIO, row: tuple) -> None:
    spool.write(json.dumps(row, ensure_ascii=False))
    spool.write("\n")


def _progress_save(job: BulkSearch, token: str, *, processed: int, matched: int) -> None:
    """Record progress; stop when the job was cancelled or another run owns it now."""
    saved = BulkSearch.objects.filter(
        pk=job.pk, run_token=token, status=BulkSearchStatus.RUNNING
    ).update(processed=processed, matched=matched, updated_at=timezone.now())
    if not saved:
        logger.info(
            "Bulk search %s stopped after %s rows (cancelled or taken over)", job.pk, processed
        )
        raise _Stopped


def _finish(job: BulkSearch, token: str, spool: TextIO, *, processed: int, matched: int):
    with transaction.atomic():
        job = BulkSearch.objects.select_for_update().get(pk=job.pk)
        if job.status != BulkSearchStatus.RUNNING or job.run_token != token:
            raise _Stopped
        singular, plural = KIND_LABELS[SearchKind(job.kind)]
        total = job.total_rows + job.bad_row_count
        report = report_create(
            organisation=job.organisation,
            kind=ReportKind.BULK_SEARCH,
            title=f"Bulk search {job.pk}: {total:,} {singular if total == 1 else plural}",
            rows_header=RESULT_HEADER,
            rows=(json.loads(line) for line in spool),
            created_by=job.user,
        )
        job.status = BulkSearchStatus.DONE
        job.result = report
        job.processed = processed
        job.matched = matched
        job.finished_at = job.updated_at = timezone.now()
        _input_forget(job)
        job.save(
            update_fields=[
                "status",
                "result",
                "processed",
                "matched",
                "finished_at",
                "updated_at",
                "input_file",
            ]
        )
    logger.info(
        "Bulk search %s done: %s rows, %s matched, report %s (%s rows)",
        job.pk,
        processed,
        matched,
        report.pk,
        report.row_count,
    )
    return job


def _fail(job: BulkSearch, token: str, reason: str) -> BulkSearch:
    with transaction.atomic():
        job = BulkSearch.objects.select_for_update().get(pk=job.pk)
        if job.status == BulkSearchStatus.RUNNING and job.run_token == token:
            job.status = BulkSearchStatus.FAILED
            job.failure_reason = reason[:500]
            job.finished_at = job.updated_at = timezone.now()
            _input_forget(job)
            job.save(
                update_fields=[
                    "status",
                    "failure_reason",
                    "finished_at",
                    "updated_at",
                    "input_file",
                ]
            )
    return job
