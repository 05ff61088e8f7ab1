# On PostgreSQL the search audit becomes a table partitioned by UK month (search/partitions.py);
# SQLite keeps the plain table. The append-only trigger is put back on the new table.

from django.db import migrations

from core.audit import AppendOnlyTrigger
from search.partitions import table_partition


def partition(apps, schema_editor):
    table_partition(schema_editor, months_ahead=3)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_api_key_moves_to_accounts")]

    operations = [
        migrations.RunPython(partition, migrations.RunPython.noop, elidable=False),
        AppendOnlyTrigger("SearchEvent"),
    ]
