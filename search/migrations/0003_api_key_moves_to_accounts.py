# The API-key model moves from search to accounts: state only, the table and its rows stay.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_organisationapikey'),
        ('bulk', '0002_api_key_moves_to_accounts'),
        ('search', '0002_searchevent_append_only'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='searchevent',
                    name='api_key',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisationapikey'),
                ),
                migrations.DeleteModel(
                    name='OrganisationApiKey',
                ),
            ],
            database_operations=[],
        ),
    ]
