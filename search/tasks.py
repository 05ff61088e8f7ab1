import logging

from celery import shared_task

from search.services import search_event_partitions_maintain

logger = logging.getLogger(__name__)


@shared_task
def search_event_partitions_maintain_task() -> list[list[str]]:
    """Daily: month partitions of the search audit made ahead, expired months dropped."""
    done = search_event_partitions_maintain()
    for action, partition in done:
        level = logging.INFO if action in ("created", "dropped") else logging.WARNING
        logger.log(level, "search audit partition %s: %s", partition, action)
    return [list(item) for item in done]
