from celery import shared_task

from bulk import services


@shared_task
def bulk_search_run(bulk_search_id: int) -> str:
    """Run one bulk search; a redelivery of a finished job changes nothing, and a
    redelivery of a running one (its worker died) starts it afresh."""
    return services.bulk_search_run(bulk_search_id=bulk_search_id).status


@shared_task
def bulk_searches_requeue() -> int:
    """Send again the jobs whose task was lost or whose worker died (see the service)."""
    return len(services.bulk_searches_requeue())


@shared_task
def bulk_inputs_sweep() -> int:
    """Delete stored bulk search lists that no active job needs."""
    return len(services.bulk_inputs_sweep())
