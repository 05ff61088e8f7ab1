from django.core.management.base import BaseCommand

from core.text import count_noun
from reports.services import report_purge_expired


class Command(BaseCommand):
    help = (
        "Delete reports whose availability has ended, with their files, and report files "
        "that have no record. Safe to run twice or alongside the daily task."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500, help="Reports per transaction.")

    def handle(self, *args, chunk_size: int, **options):
        result = report_purge_expired(chunk_size=chunk_size)
        self.stdout.write(
            f"Purged {count_noun(result.reports, 'expired report')} and "
            f"{count_noun(result.orphan_files, 'orphan file')}."
        )
