# The audit table refuses UPDATE and DELETE on PostgreSQL (core/audit.py); nothing on SQLite.

from django.db import migrations

from core.audit import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_organisation_mfa_required_accountevent")]

    operations = [AppendOnlyTrigger("AccountEvent")]
