# The disclosure audit refuses UPDATE and DELETE on PostgreSQL (ecoes/audit.py).

from django.db import migrations

from core.audit import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("extracts", "0001_initial")]

    operations = [AppendOnlyTrigger("ExtractDisclosure")]
