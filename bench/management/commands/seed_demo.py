from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from bench.demo_accounts import DEMO_PASSWORD, demo_data_load
from bench.demo_registry import demo_registry_load
from registry.models import Meter, MeteringPoint


def demo_searches() -> list[tuple[str, str]]:
    """An MPAN core, the postcode with the most points and a meter serial in the data."""
    point = MeteringPoint.objects.order_by("mpan_core").first()
    if point is None:
        return []
    busiest = (
        MeteringPoint.objects.values("postcode_key", "postcode")
        .annotate(points=Count("pk"))
        .order_by("-points", "postcode_key")
        .first()
    )
    meter = Meter.objects.order_by("serial_key").first()
    examples = [("An MPAN core", point.mpan_core)]
    examples.append((f"A postcode ({busiest['points']:,} points)", busiest["postcode"]))
    if meter:
        examples.append(("A meter serial number", meter.serial))
    return examples


class Command(BaseCommand):
    help = "Load the demo organisations and users (development only) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="The port the portal serves on (make run's PORT).",
        )

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
        self.stdout.write(f"Open http://127.0.0.1:{options['port']}/ and log in with one of them.")
        examples = demo_searches()
        if examples:
            self.stdout.write("Searches to try (taken from the demo data):")
            for label, text in examples:
                self.stdout.write(f"  {label:<22} {text}")
        self.stdout.write(
            "Service admins must use two-factor authentication: after logging in as one, "
            "set up an authenticator app (the page shows the secret to type in) first."
        )
