# A migration of its own, after the rows that break it were cleared in 0005 (each
# migration is its own transaction on PostgreSQL).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_admin_access_and_events"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('is_staff', False), ('is_superuser', False)), ('role', 'service_admin'), _connector='OR'), name='accounts_user_admin_access_needs_service_admin_role', violation_error_message='Only a service admin may have staff or superuser status: give the role Service admin, or clear Staff status and Superuser status.'),
        ),
    ]
