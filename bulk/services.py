"""Writes for bulk search: submit a list, run it (the Celery task calls this), cancel it.

Submitting reads and checks the whole list at once (search.parsing validates each row),
refuses it when the user's or API key's daily cap, the organisation's, or the
organisation's bulk quota is already reached, keeps the list in the append-only input
audit, stores the normalised list and queues the task once the job is committed.

Every batch counts the metering points it returns against those caps in one atomic
step (search.services.lookups_take) before any of them is written, and appends a
SearchEvent for them. When a cap runs out mid-run the job delivers the points it could
count, lists the rows after as "not searched", ends "done" and says why
(`stopped_reason`): no point is ever written to a result without being counted.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from bulk.inputs import (
    KIND_LABELS,
    BulkInputError,
    BulkKindMismatch,
    InputRow,
    bulk_input_decode,
    bulk_input_from_values,
    bulk_input_read,
)
from bulk.models import (
    ACTIVE_STATUSES,
    INPUTS_FOLDER,
    BulkSearch,
    BulkSearchInput,
    BulkSearchStatus,
)
from bulk.queries import metering_points_by_key
from core.text import count_noun
from reports.kinds import ReportKind
from reports.services import report_create
from search.data_items import data_items_for
from search.models import SearchAction, SearchChannel
from search.parsing import SearchKind
from search.presentation import csv_header, csv_row
from search.services import (
    DailyCapReached,
    lookup_allowance_check,
    lookups_take,
    search_event_record,
)

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
    NOT_SEARCHED = "not searched"


RESULT_HEAD = ("Line", "Input", "Status", "Reason")
RESULT_HEADER = (*RESULT_HEAD, *csv_header())  # for an organisation that sees every item


def _result_items(job: BulkSearch):
    """The data items the job's organisation sees (search.data_items), at run time."""
    return data_items_for(organisation=job.organisation)


class BulkSearchError(Exception):
    """A bulk search cannot be submitted, run or cancelled; the message says why."""


class BulkWrongKind(BulkSearchError):
    """The list's header names another kind; `right_kind` is the one it names."""

    def __init__(self, message: str, *, right_kind: str):
        super().__init__(message)
        self.right_kind = right_kind


class BulkQuotaExceeded(BulkSearchError):
    """A daily cap of the user or key, of the organisation, or the organisation's bulk
    quota is already reached: the search cannot start."""


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
    except BulkKindMismatch as error:
        raise BulkWrongKind(str(error), right_kind=error.right_kind.value) from None
    except BulkInputError as error:
        raise BulkSearchError(str(error)) from None
    good = parsed.good_count
    bad = parsed.bad_rows
    if not good:
        listed = "; ".join(f"line {row.line}: {row.error}" for row in bad[:3])
        raise BulkSearchError(f"No row of the list can be searched ({listed}).")

    user = user if user is not None and user.is_authenticated else None
    try:
        # A caller at a cap cannot start one. The points are counted as they are found.
        lookup_allowance_check(user=user, api_key=api_key, bulk=True)
    except DailyCapReached as error:
        raise BulkQuotaExceeded(str(error)) from None

    name = default_storage.save(
        f"{INPUTS_FOLDER}/{uuid.uuid4().hex}.jsonl", ContentFile(_input_lines(parsed.rows))
    )
    try:
        with transaction.atomic():
            job = BulkSearch.objects.create(
                organisation=organisation,
                user=user,
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
            BulkSearchInput.objects.create(
                bulk_search=job,
                kind=job.kind,
                source_name=job.source_name,
                rows=[[row.line, row.value] for row in parsed.rows],
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


def bulk_search_queue(*, bulk_search_id: int) -> None:
    """Run the job in a Celery worker once the current transaction has committed."""
    transaction.on_commit(lambda: _bulk_search_task_send(bulk_search_id))


def _bulk_search_task_send(bulk_search_id: int) -> None:
    from bulk import tasks  # the task module imports this one

    try:
        tasks.bulk_search_run.delay(bulk_search_id)
    except Exception:
        # The broker is unreachable. The job stays "queued" and bulk_searches_requeue
        # (every few minutes, from beat) sends it again: the submission is kept.
        logger.exception("bulk search %s could not be queued; it will be re-queued", bulk_search_id)


# A job still "queued" this long after it was submitted lost its task (the broker was
# down, or the message was lost): queue it again. A running job's progress is saved after
# every batch; one whose progress has not moved for BULK_SEARCH_STALLED_MINUTES lost its
# worker (one killed outright is otherwise redelivered only after the broker's
# visibility timeout, two hours).
REQUEUE_AFTER = timedelta(minutes=10)


def bulk_searches_requeue(*, now: datetime | None = None) -> list[int]:
    """Queue again every job left queued or stalled while running. Running is idempotent:
    a redelivered job starts afresh under a new token (without counting again the points
    it counted), and a run that was merely slow stops at its next batch."""
    now = now or timezone.now()
    stalled = now - timedelta(minutes=settings.BULK_SEARCH_STALLED_MINUTES)
    waiting = list(
        BulkSearch.objects.filter(
            Q(status=BulkSearchStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
            | Q(status=BulkSearchStatus.RUNNING, updated_at__lt=stalled)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for bulk_search_id in waiting:
        _bulk_search_task_send(bulk_search_id)
    if waiting:
        logger.warning(
            "re-queued %s left queued or stalled: %s",
            count_noun(len(waiting), "bulk search", "bulk searches"),
            waiting,
        )
    return waiting


# An input file younger than this may belong to a submission still committing.
SWEEP_AFTER = timedelta(hours=1)


def bulk_inputs_sweep(*, now: datetime | None = None) -> list[str]:
    """Delete the stored lists no active job needs: left by a crash between storing a list
    and committing its job, or between a job ending and its file's deletion."""
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    try:
        _, names = default_storage.listdir(INPUTS_FOLDER)
    except FileNotFoundError:
        return []
    needed = set(
        BulkSearch.objects.filter(status__in=ACTIVE_STATUSES)
        .exclude(input_file="")
        .values_list("input_file", flat=True)
    )
    swept = []
    for name in sorted(names):
        path = f"{INPUTS_FOLDER}/{name}"
        if path in needed or default_storage.get_modified_time(path) >= cutoff:
            continue
        default_storage.delete(path)
        swept.append(path)
    if swept:
        logger.info("swept %s", count_noun(len(swept), "leftover bulk search list"))
    return swept


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
            run = _lookups_spool(job, token, spool)
            spool.seek(0)
            return _finish(job, token, spool, run)
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


@dataclass(frozen=True)
class _BatchQuery:
    """What a bulk batch's audit row says it searched (SearchEvent.kind and .query)."""

    kind: SearchKind
    display: str


@dataclass
class _Run:
    """One run's tally: rows searched and found, points written to the result, points
    counted against the caps (this job's earlier runs included), and why it stopped."""

    counted: int
    processed: int = 0
    matched: int = 0
    delivered: int = 0
    limit: str = ""  # the cap that ran out, once one has
    stopped: str = ""


def _lookups_spool(job: BulkSearch, token: str, spool: TextIO) -> _Run:
    run = _Run(counted=job.lookups_counted)
    items = _result_items(job)
    no_point = ("",) * len(csv_header(items))
    for batch in _batches(job):
        if run.stopped:
            for row in batch:
                _spool_write(spool, _unsearched_row(row, no_point))
            continue
        found = metering_points_by_key(kind=job.kind, keys=[row.key for row in batch if row.key])
        budget = _points_count(job, run, sum(len(found.get(row.key, ())) for row in batch))
        delivered_before = run.delivered
        for row in batch:
            head = (row.line, row.value)
            if row.error:
                _spool_write(spool, (*head, MatchStatus.INVALID, row.error, *no_point))
                continue
            if run.stopped:
                _spool_write(spool, _unsearched_row(row, no_point))
                continue
            points = found.get(row.key, [])
            if len(points) > budget:
                run.stopped = _stopped_reason(job, run, row, budget)
                if not budget:
                    _spool_write(spool, _unsearched_row(row, no_point))
                    continue
            run.processed += 1
            if not points:
                _spool_write(spool, (*head, MatchStatus.NOT_FOUND, "", *no_point))
                continue
            run.matched += 1
            shown = points[:budget]
            reason = ""
            if len(shown) < len(points):
                reason = f"Only the first {len(shown):,} of {len(points):,}: daily limit reached."
            for point in shown:
                _spool_write(spool, (*head, MatchStatus.MATCHED, reason, *csv_row(point, items)))
            budget -= len(shown)
            run.delivered += len(shown)
        _batch_record(job, run.delivered - delivered_before)
        _progress_save(job, token, run)
    return run


def _points_count(job: BulkSearch, run: _Run, points: int) -> int:
    """Count a batch's points against the caps before any is written; answer how many may
    be written. Points an earlier run of this job counted (its worker died before the
    result was stored) are not counted again."""
    already = max(run.counted - run.delivered, 0)
    wanted = max(points - already, 0)
    taken = 0
    if wanted:
        caller = {"user": job.user, "api_key": job.api_key, "bulk": True}
        try:
            taken = lookups_take(**caller, wanted=wanted, partial=True)
            if taken < wanted:
                lookup_allowance_check(**caller)  # names the cap that ran out
        except DailyCapReached as error:
            run.limit = str(error)
    run.counted += taken
    return already + taken


def _batch_record(job: BulkSearch, points: int) -> None:
    """Append the batch's delivered points to the search audit (they were counted)."""
    if not points:
        return
    search_event_record(
        user=job.user,
        api_key=job.api_key,
        action=SearchAction.BULK,
        channel=SearchChannel(job.channel),
        query=_BatchQuery(SearchKind(job.kind), f"bulk search {job.pk}"),
        result_count=points,
        ip_address=job.ip_address,
        lookups=points,
    )


def _stopped_reason(job: BulkSearch, run: _Run, row: InputRow, budget: int) -> str:
    why = run.limit or "A daily limit was reached."
    return (
        f"{why} The search stopped at line {row.line}: {run.delivered + budget:,} metering "
        "points were returned; the rows after it were not searched (“not searched” in the "
        "result)."
    )[:500]


def _unsearched_row(row: InputRow, no_point: tuple) -> tuple:
    head = (row.line, row.value)
    if row.error:
        return (*head, MatchStatus.INVALID, row.error, *no_point)
    return (*head, MatchStatus.NOT_SEARCHED, "Daily limit reached.", *no_point)


def _spool_write(spool: TextIO, row: tuple) -> None:
    spool.write(json.dumps(row, ensure_ascii=False))
    spool.write("\n")


def _progress_save(job: BulkSearch, token: str, run: _Run) -> None:
    """Record progress; stop when the job was cancelled or another run owns it now."""
    saved = BulkSearch.objects.filter(
        pk=job.pk, run_token=token, status=BulkSearchStatus.RUNNING
    ).update(
        processed=run.processed,
        matched=run.matched,
        lookups_counted=run.counted,
        updated_at=timezone.now(),
    )
    if not saved:
        logger.info(
            "Bulk search %s stopped after %s rows (cancelled or taken over)", job.pk, run.processed
        )
        raise _Stopped


def _finish(job: BulkSearch, token: str, spool: TextIO, run: _Run):
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
            rows_header=(*RESULT_HEAD, *csv_header(_result_items(job))),
            rows=(json.loads(line) for line in spool),
            created_by=job.user,
        )
        job.status = BulkSearchStatus.DONE
        job.result = report
        job.processed = run.processed
        job.matched = run.matched
        job.lookups_counted = run.counted
        job.stopped_reason = run.stopped
        job.finished_at = job.updated_at = timezone.now()
        _input_forget(job)
        job.save(
            update_fields=[
                "status",
                "result",
                "processed",
                "matched",
                "lookups_counted",
                "stopped_reason",
                "finished_at",
                "updated_at",
                "input_file",
            ]
        )
    logger.info(
        "Bulk search %s done: %s rows, %s matched, report %s (%s rows)%s",
        job.pk,
        run.processed,
        run.matched,
        report.pk,
        report.row_count,
        f"; stopped: {run.stopped}" if run.stopped else "",
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
