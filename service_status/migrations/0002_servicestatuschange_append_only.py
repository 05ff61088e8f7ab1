# The audit table refuses UPDATE and DELETE on PostgreSQL (core/audit.py); nothing on SQLite.
# A deleted user's changes keep actor_label; actor_id may be set to NULL (SET_NULL).

from django.db import migrations

from core.audit import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("service_status", "0001_initial")]

    operations = [AppendOnlyTrigger("ServiceStatusChange", nullable=("actor_id",))]
