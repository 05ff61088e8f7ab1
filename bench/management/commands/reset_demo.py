from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.demo_accounts import DEMO_PASSWORD, demo_accounts_reset


class Command(BaseCommand):
    help = "Restore the demo accounts (password, two-factor, active flags; development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never reset with DJANGO_ENV=production.")
        users = demo_accounts_reset()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(users)} demo accounts (password for all: {DEMO_PASSWORD}); "
                "two-factor authentication is to be set up afresh."
            )
        )
