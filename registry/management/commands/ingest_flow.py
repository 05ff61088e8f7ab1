import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from core.text import count_noun
from registry.models import FlowFileChannel, FlowFileStatus
from registry.services import flow_file_process, flow_file_receive


class Command(BaseCommand):
    help = "Receive and apply DTC flow files now, showing progress and a summary."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--sender", help="MPID of the sending organisation (default: the file header's)"
        )

    def handle(self, *args, files, sender, **options):
        organisation = None
        if sender:
            organisation = Organisation.objects.filter(mpid=sender.upper()).first()
            if organisation is None:
                raise CommandError(f"No organisation has the MPID {sender}.")
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"Not a file: {', '.join(missing)}")
        applied = 0
        for number, path in enumerate(files, 1):
            self.stdout.write(f"[{number}/{len(files)}] {path.name}")
            started = time.monotonic()
            with path.open("rb") as content:
                flow_file = flow_file_receive(
                    content=content,
                    original_name=path.name,
                    channel=FlowFileChannel.COMMAND,
                    sender=organisation,
                    queue=False,
                )
            flow_file = flow_file_process(flow_file_id=flow_file.pk, progress=self._progress)
            seconds = time.monotonic() - started
            self.stderr.write("")
            if flow_file.status == FlowFileStatus.APPLIED:
                applied += 1
                self.stdout.write(
                    self.style.SUCCESS(
                        f"  applied as file {flow_file.pk}: {flow_file.flow_id}"
                        f" v{flow_file.version}, {flow_file.accepted_count:,} records accepted,"
                        f" {flow_file.rejected_count:,} rejected, in {seconds:.1f} s"
                    )
                )
            else:
                self.stdout.write(self.style.ERROR(f"  rejected as file {flow_file.pk}"))
            for error in flow_file.errors[:20]:
                where = f"line {error['line']}: " if error.get("line") else ""
                self.stdout.write(f"    {where}{error['reason']}")
        summary = f"{applied:,} of {count_noun(len(files), 'file')} applied."
        if applied < len(files):
            raise CommandError(summary)
        self.stdout.write(summary)

    def _progress(self, done: int, total: int) -> None:
        width = 40
        filled = int(width * done / total) if total else width
        self.stderr.write(
            f"\r  [{'#' * filled}{'.' * (width - filled)}] {done / 2**20:,.0f} MB", ending=""
        )
        self.stderr.flush()
