from celery import shared_task

from accounts import services


@shared_task
def dormant_accounts_close() -> dict[str, int]:
    """Warn, then close, accounts unused for ACCOUNT_DORMANT_DAYS (see the service)."""
    return services.dormant_accounts_close()
