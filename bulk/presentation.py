"""A job's state as the status endpoint, the API and the page's script read it."""

from django.urls import reverse

from bulk.models import BulkSearch


def bulk_search_status_document(job: BulkSearch, *, result_url: str | None) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_display": job.get_status_display(),
        "total_rows": job.total_rows,
        "processed": job.processed,
        "matched": job.matched,
        "percent": job.percent,
        "bad_row_count": job.bad_row_count,
        "failure_reason": job.failure_reason,
        "points_counted": job.lookups_counted,
        "stopped_reason": job.stopped_reason,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "result_download_url": result_url,
    }


def web_result_url(job: BulkSearch) -> str | None:
    """The report archive's download for the result, once there is one."""
    if job.result_id is None:
        return None
    return reverse("reports:download", args=[job.result_id])
