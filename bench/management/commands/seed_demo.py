from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.demo_accounts import DEMO_PASSWORD, demo_data_load
from bench.demo_registry import demo_registry_load


class Command(BaseCommand):
    help = "Load the demo organisations and users (development only) and print the logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded with DJANGO_ENV=production.")
        users = demo_data_load()
        loaded = demo_registry_load()
        if loaded:
            self.stdout.write(f"Loaded {loaded:,} demo metering points through D0204/D0312/D0386.")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for demo in users:
            self.stdout.write(f"  {demo.email:<22} {demo.mpid}  {demo.role.label}")
        self.stdout.write("Open http://127.0.0.1:8000/ and log in with one of them.")
        self.stdout.write(
            "Service admins must use two-factor authentication: after logging in as one, "
            "set up an authenticator app (the page shows the secret to type in) first."
        )
