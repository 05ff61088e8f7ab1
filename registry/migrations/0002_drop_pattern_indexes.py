"""Drop the `varchar_pattern_ops` twins Django adds on PostgreSQL beside the index of a
CharField key (for LIKE 'prefix%'), on the registry's MPAN cores.

Nothing searches MPAN cores with LIKE (search is by exact key; a distributor's range is
a primary-key range), and at 32 million points the twin of the primary key was a second
index of the same size for every COPY and insert to maintain. Should a later migration
alter `mpan_core` or `related`, Django would create the twin again: drop it again then.
"""

from django.db import migrations

TWINS = [
    ("registry_meteringpoint", "mpan_core"),
    ("registry_relatedmpan", "related_id"),
]


def _twins(cursor, table: str, column: str) -> list[str]:
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = %s AND indexdef LIKE %s",
        [table, f"%({column} varchar_pattern_ops)"],
    )
    return [row[0] for row in cursor.fetchall()]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in TWINS:
            for name in _twins(cursor, table, column):
                cursor.execute(f'DROP INDEX "{name}"')


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in TWINS:
            if not _twins(cursor, table, column):
                cursor.execute(
                    f'CREATE INDEX "{table}_{column}_like" ON "{table}"'
                    f' ("{column}" varchar_pattern_ops)'
                )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
