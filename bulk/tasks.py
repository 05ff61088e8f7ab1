from celery import shared_task

from bulk import services


@shared_task
def bulk_search_run(bulk_search_id: int) -> str:
    """Run one bulk search; a redelivery of a finished job changes nothing, and a
    redelivery of a running one (its worker died) starts it afresh."""
    return services.bulk_search_run(bulk_search_id=bulk_search_id).status
