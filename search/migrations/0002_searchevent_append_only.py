# The audit table refuses UPDATE and DELETE on PostgreSQL (core/audit.py); nothing on SQLite.

from django.db import migrations

from core.audit import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [AppendOnlyTrigger("SearchEvent")]
