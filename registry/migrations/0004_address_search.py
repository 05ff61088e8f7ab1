"""Address and UPRN search: the address words table (with each point's UPRN, indexed)
and, on PostgreSQL, a GIN index over its words (registry.addresses).

The words are a table of their own, written after each D0204 refresh has committed
(registry.services.address_words_refresh), rather than an index on the registry's own
rows: cutting 100,000 addresses into words and indexing them inside the refresh took
longer than the refresh itself. The table is filled here for the points already held.
"""

from django.db import migrations, models
from django.db.models import Q

from registry.addresses import ADDRESS_TEXT_SQL, ADDRESS_WORDS_SQL
from registry.addresses import ADDRESS_WORDS_INDEX as INDEX


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON registry_addresswords"
            f" USING gin (({ADDRESS_WORDS_SQL.format(text='text')}))"
        )
        # Django's varchar_pattern_ops twin of the key: nothing uses LIKE on it (as 0002).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_addresswords'"
                " AND indexdef LIKE '%%varchar_pattern_ops%%'"
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'DROP INDEX "{name}"')
    if connection.vendor in ADDRESS_TEXT_SQL:
        schema_editor.execute(
            "INSERT INTO registry_addresswords (mpan_core, text, uprn)"
            f" SELECT mpan_core, {ADDRESS_TEXT_SQL[connection.vendor]}, ltrim(uprn, '0')"
            " FROM registry_meteringpoint"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_flowfile_stored_copy_removed")]

    operations = [
        migrations.CreateModel(
            name="AddressWords",
            fields=[
                (
                    "mpan_core",
                    models.CharField(
                        max_length=13, primary_key=True, serialize=False, verbose_name="MPAN core"
                    ),
                ),
                ("text", models.CharField(max_length=420)),
                ("uprn", models.CharField(blank=True, max_length=12, verbose_name="UPRN")),
            ],
            options={
                "verbose_name": "address words",
                "verbose_name_plural": "address words",
                "indexes": [
                    models.Index(
                        condition=~Q(uprn=""), fields=["uprn"], name="registry_aw_uprn_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
