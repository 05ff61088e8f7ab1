"""Address and UPRN search: the UPRN index (both databases) and, on PostgreSQL, a GIN
index over the address words (registry.addresses.ADDRESS_WORDS_SQL).

The GIN index is an expression index, not a stored column: nothing to write at ingest
(the D0204 paths, fast COPY and merge, maintain it as they insert and update), and no
rewrite of a 32-million-row table to add it. Inserts go to the index's pending list
(fastupdate), merged into the index in bulk (registry.tasks.address_index_tidy after a
refresh, and autovacuum); searches read the pending list too, so the index is current
as soon as the refresh commits.
"""

from django.db import migrations, models
from django.db.models import Q

from registry.addresses import ADDRESS_INDEX as INDEX
from registry.addresses import ADDRESS_WORDS_SQL


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_meteringpoint"
        f" USING gin (({ADDRESS_WORDS_SQL})) WITH (fastupdate = on, gin_pending_list_limit = 65536)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_drop_pattern_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="meteringpoint",
            index=models.Index(
                condition=~Q(uprn=""), fields=["uprn"], name="registry_mp_uprn_idx"
            ),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
