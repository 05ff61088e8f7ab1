from celery import shared_task

from extracts.services import extract_generate as _extract_generate
from extracts.services import extracts_weekly_queue


@shared_task
def extract_generate(extract_id: int) -> None:
    """Make one extract's file; a redelivered or repeated task does nothing twice."""
    _extract_generate(extract_id=extract_id)


@shared_task
def extracts_weekly() -> int:
    """Weekly: a portfolio for each subscribed organisation (once per ISO week)."""
    return extracts_weekly_queue()
