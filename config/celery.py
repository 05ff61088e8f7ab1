"""The Celery application: one per project, tasks found in each app's tasks.py.

The reliability settings (late acks, re-queue on worker loss, prefetch 1, the
Redis visibility timeout) live in settings.py under the CELERY_ prefix.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ecoes")  # the broker-side name, unchanged by the re-cut
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule of the project. Times are Europe/London.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "core.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=15),
    },
    "close-dormant-accounts": {
        "task": "accounts.tasks.dormant_accounts_close",
        "schedule": crontab(hour=4, minute=0),
    },
    "purge-expired-reports": {
        "task": "reports.tasks.reports_purge_expired",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-rejected-flow-files": {
        "task": "registry.tasks.flow_files_purge_rejected",
        "schedule": crontab(hour=3, minute=45),
    },
    "search-audit-partitions": {
        "task": "search.tasks.search_event_partitions_maintain_task",
        "schedule": crontab(hour=2, minute=45),
    },
    "requeue-waiting-flow-files": {
        "task": "registry.tasks.flow_files_requeue_waiting",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "requeue-bulk-searches": {
        "task": "bulk.tasks.bulk_searches_requeue",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "sweep-bulk-inputs": {
        "task": "bulk.tasks.bulk_inputs_sweep",
        "schedule": crontab(minute=45),
    },
    "scan-flow-inbox": {
        "task": "registry.tasks.flow_inbox_scan",
        "schedule": 60.0,
        "options": {"expires": 55},  # a late scan is dropped; the next one comes
    },
}
