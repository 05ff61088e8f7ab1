from celery import shared_task

from registry import services


@shared_task
def flow_file_process(flow_file_id: int) -> str:
    """Apply one received flow file; a second run for the same id changes nothing."""
    return services.flow_file_process(flow_file_id=flow_file_id).status


@shared_task
def flow_files_requeue_waiting() -> int:
    """Send again the files whose processing task was lost (see the service)."""
    return len(services.flow_files_requeue_waiting())


@shared_task
def flow_inbox_scan() -> int:
    """Apply the files waiting in the inbox folder (FLOW_INBOX_DIR)."""
    return len(services.flow_inbox_scan())


@shared_task
def address_words_refresh(distributor_id: str | None = None) -> int:
    """Bring the address words of a distributor's points up to date (see the service)."""
    return services.address_words_refresh(distributor_id=distributor_id)


@shared_task
def flow_files_purge_rejected() -> int:
    """Remove the stored copies of long-rejected files (FLOW_REJECTED_RETENTION_DAYS)."""
    return services.flow_files_purge_rejected()
