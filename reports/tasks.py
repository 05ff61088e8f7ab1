from celery import shared_task

from reports.services import report_purge_expired


@shared_task
def reports_purge_expired() -> dict[str, int]:
    """Daily: delete expired reports, their files and orphan files; safe to run twice."""
    result = report_purge_expired()
    return {"reports": result.reports, "orphan_files": result.orphan_files}
