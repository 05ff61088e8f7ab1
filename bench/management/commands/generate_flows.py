from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.generate import flow_files_generate
from dtc.codes import DISTRIBUTORS


class Command(BaseCommand):
    help = (
        "Write realistic synthetic flow files: a D0204 full refresh per distributor,"
        " plus D0312 and D0386 samples for the points written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metering-points", type=int, required=True, dest="count")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument(
            "--distributor", help="one distributor id (default: all fourteen DNO areas)"
        )
        parser.add_argument("--seed", type=int, default=2019)

    def handle(self, *args, count, out, distributor, seed, **options):
        if distributor and distributor not in DISTRIBUTORS:
            raise CommandError(
                f"{distributor} is not a DNO distributor id; use one of {', '.join(DISTRIBUTORS)}"
            )
        if count < 1:
            raise CommandError("--metering-points must be at least 1")
        for path in flow_files_generate(count=count, out=out, distributor=distributor, seed=seed):
            self.stdout.write(f"wrote {path}")
