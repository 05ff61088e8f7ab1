"""Party extracts (a file per organisation), migration runs, and SSH keys for SFTP."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation
from core.audit import AppendOnlyModel
from core.text import count_noun
from extracts.kinds import ExtractKind, ExtractTrigger


class MigrationRun(models.Model):
    """One extract kind for every active organisation holding a market role.

    "Meter technical details for every MOP" is the 2019 migration: each MOP got its file
    in its SFTP folder, and the service knew who had collected theirs.
    """

    kind = models.CharField(max_length=32, choices=ExtractKind.choices)
    role_code = models.CharField("market role", max_length=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    broadcast_posted_at = models.DateTimeField(null=True, blank=True)
    broadcast_posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for role {self.role_code} ({self.created_at:%d/%m/%Y})"


class ExtractStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Generating"
    DONE = "done", "Generated"
    FAILED = "failed", "Failed"


class Extract(models.Model):
    """One file for one organisation: the job, then the pointer to its archived report."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="extracts"
    )
    kind = models.CharField(max_length=32, choices=ExtractKind.choices)
    trigger = models.CharField(max_length=16, choices=ExtractTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        MigrationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="extracts"
    )
    # The ISO week of a weekly subscription's file ("2026-W49"), so the beat makes one.
    week = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=8, choices=ExtractStatus.choices, default=ExtractStatus.QUEUED
    )
    # A new token per attempt: an attempt whose token is no longer the extract's (its
    # worker was presumed dead and the extract was claimed again) throws its file away.
    run_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    # Copied from the report: they stay after the report has been purged.
    report = models.OneToOneField(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="extract"
    )
    row_count = models.PositiveBigIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    first_collected_at = models.DateTimeField(null=True, blank=True)
    first_collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_collected_channel = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Idempotent runs: a party gets one file per run, whatever is retried.
            models.UniqueConstraint(
                fields=["run", "organisation"],
                condition=Q(run__isnull=False),
                name="extract_one_per_party_per_run",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "week"],
                condition=~Q(week=""),
                name="extract_one_per_week",
            ),
        ]
        indexes = [
            models.Index("organisation", F("requested_at").desc(), name="extract_org_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.organisation.mpid}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExtractStatus.DONE, ExtractStatus.FAILED)


class ExtractDisclosure(AppendOnlyModel):
    """The audit of an extract: registry data disclosed to an organisation in one file.

    Counts against no lookup cap, but says who asked (or which run or subscription made
    it), what, when and how many rows, and outlives the file.
    """

    created_at = models.DateTimeField(default=timezone.now)
    extract = models.ForeignKey(Extract, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ExtractKind.choices)
    trigger = models.CharField(max_length=16, choices=ExtractTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    row_count = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        rows = count_noun(self.row_count or 0, "row")
        return f"{self.kind} for organisation {self.organisation_id}: {rows}"


class PortfolioSubscription(models.Model):
    """An organisation that gets its portfolio every week (the beat makes it)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="portfolio_subscription"
    )
    subscribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subscribed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Weekly portfolio for {self.organisation}"


class SshPublicKey(models.Model):
    """A user's SSH public key for the SFTP service; removed keys are kept, marked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ssh_keys"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    algorithm = models.CharField(max_length=40)
    # The key as "algorithm base64", without its comment: what authentication compares.
    public_key = models.TextField()
    fingerprint = models.CharField("SHA-256 fingerprint", max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live registration per key: a key names one person.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(removed_at__isnull=True),
                name="sshkey_fingerprint_live_unique",
            ),
        ]
        indexes = [models.Index(fields=["user", "removed_at"], name="sshkey_user_live")]

    def __str__(self) -> str:
        return f"{self.name} ({self.fingerprint})"
