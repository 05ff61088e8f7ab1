"""Signals of the report archive, so that other apps can follow it without an import cycle."""

from django.dispatch import Signal

# Sent inside the download's transaction with report= and download= (the audit row).
report_downloaded = Signal()
