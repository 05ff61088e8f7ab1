from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from core.audit import AppendOnlyModel
from reports.kinds import ReportKind

# Every report file lives in this folder of the default storage, under a random name:
# the name says nothing about the organisation or the content, and the purge sweeps
# this folder for files that have no record.
REPORTS_FOLDER = "reports"


class Report(models.Model):
    """A generated file an organisation may download until `available_until`."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField(max_length=32, choices=ReportKind.choices)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    available_until = models.DateTimeField(
        help_text="The report can be downloaded until this moment; the purge deletes it after."
    )
    file = models.FileField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    row_count = models.PositiveIntegerField(help_text="Data rows, not counting the header.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "My organisation's reports, newest first" (the reports screen and the API).
            models.Index(
                "organisation", F("created_at").desc(), F("id").desc(), name="report_org_newest"
            ),
            # The purge: everything whose availability has ended.
            models.Index(fields=["available_until"], name="report_available_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__gt=F("created_at")),
                name="report_available_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_expired(self, *, at=None) -> bool:
        return (at or timezone.now()) >= self.available_until

    @property
    def download_name(self) -> str:
        """The file name offered to the browser: the title, never the storage name."""
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M")
        return f"{slugify(self.title)[:80] or 'report'}-{stamp}.csv"


class ReportDownload(AppendOnlyModel):
    """One download of a report: append-only audit, kept after the report is purged."""

    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, related_name="downloads"
    )
    # Copied from the report so the audit still says what was downloaded after the purge.
    report_title = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # Who downloaded it: a user, or an organisation's API key (exactly one).
    # PROTECT: a user or key with audited downloads is deactivated or revoked, not deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    api_key = models.ForeignKey(
        "accounts.OrganisationApiKey",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="API key",
    )
    downloaded_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    via_api = models.BooleanField(default=False)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        indexes = [
            models.Index(
                "organisation", F("downloaded_at").desc(), name="reportdownload_org_newest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, api_key__isnull=True)
                | Q(user__isnull=True, api_key__isnull=False),
                name="reportdownload_by_user_or_key",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"API key {self.api_key_id}"
        return f"{who} downloaded {self.report_title} at {self.downloaded_at}"
