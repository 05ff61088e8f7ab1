from django.dispatch import receiver

from extracts.services import extract_collected_mark
from reports.signals import report_downloaded


@receiver(report_downloaded, dispatch_uid="extracts.collected")
def _mark_collected(sender, report, download, **kwargs):
    extract_collected_mark(report=report, download=download)
