# The audit table refuses UPDATE and DELETE on PostgreSQL (core/audit.py); nothing on SQLite.
# The purge deletes reports: their downloads keep the record, with report_id set to NULL.

from django.db import migrations

from core.audit import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [AppendOnlyTrigger("ReportDownload", nullable=("report_id",))]
