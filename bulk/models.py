"""A bulk search job. The job is also the audit record of the bulk search (who, for which
organisation, how many rows, when, through which channel): jobs are never deleted, while
their input file is removed once the job ends and their result expires with the report."""

from django.db import models
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from core.audit import AppendOnlyModel
from core.text import count_noun
from search.models import SearchChannel
from search.parsing import SearchKind

# The normalised input lists live in this folder of the default storage, one file per
# job under a random name, until the job has ended.
INPUTS_FOLDER = "bulk"


class BulkSearchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (BulkSearchStatus.QUEUED, BulkSearchStatus.RUNNING)


class BulkSearch(models.Model):
    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    api_key = models.ForeignKey(
        OrganisationApiKey, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    channel = models.CharField(max_length=3, choices=SearchChannel.choices)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    kind = models.CharField(
        max_length=10,
        choices=[
            (kind.value, kind.name.title())
            for kind in (SearchKind.MPAN, SearchKind.POSTCODE, SearchKind.SERIAL)
        ],
    )
    source_name = models.CharField(
        max_length=200, help_text="The uploaded file's name, or “pasted list”."
    )
    # One JSON array per input row, [line, value, key, error], in storage (INPUTS_FOLDER).
    input_file = models.FileField(max_length=255, blank=True)
    total_rows = models.PositiveIntegerField(help_text="Rows that can be searched.")
    processed = models.PositiveIntegerField(default=0, help_text="Rows searched so far.")
    matched = models.PositiveIntegerField(
        default=0, help_text="Rows that found at least one metering point."
    )
    bad_row_count = models.PositiveIntegerField(default=0)
    # The first BAD_ROWS_KEPT rows that cannot be searched: [{"line", "value", "reason"}].
    # All of them are listed in the result file.
    bad_rows = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=BulkSearchStatus.choices, default=BulkSearchStatus.QUEUED
    )
    failure_reason = models.CharField(max_length=500, blank=True)
    # Metering points this job has counted against the daily caps, over all its runs (a
    # run after a lost worker does not count again what an earlier run counted).
    lookups_counted = models.PositiveIntegerField(default=0)
    # Why a done job stopped before its last row (a daily cap); blank when it did not.
    stopped_reason = models.CharField(max_length=500, blank=True)
    result = models.ForeignKey(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Which delivery of the task owns the run: a redelivered task takes over with a new
    # token, and a run whose token is no longer the job's stops at its next batch.
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "bulk search"
        verbose_name_plural = "bulk searches"
        indexes = [
            # The organisation's jobs, newest first, and its rows searched today (quota).
            models.Index(
                "organisation", F("created_at").desc(), F("id").desc(), name="bulk_org_newest"
            ),
        ]

    def __str__(self) -> str:
        rows = count_noun(self.total_rows, "row")
        return f"Bulk search {self.pk} ({self.kind}, {rows}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == BulkSearchStatus.DONE or not self.total_rows:
            return 100 if self.status == BulkSearchStatus.DONE else 0
        return min(100, self.processed * 100 // self.total_rows)

    @property
    def kind_label(self) -> str:
        from bulk.inputs import KIND_LABELS

        return KIND_LABELS[SearchKind(self.kind)][1]


class BulkSearchInput(AppendOnlyModel):
    """The list a bulk search was given, kept as the audit of what was asked (searches
    keep their query in SearchEvent): every non-blank row, [line, value], bad ones too.
    The job's own input file is deleted when it ends; this row never is."""

    id = models.BigAutoField(primary_key=True)
    bulk_search = models.OneToOneField(BulkSearch, on_delete=models.PROTECT, related_name="inputs")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=10)
    source_name = models.CharField(max_length=200)
    rows = models.JSONField(default=list)

    class Meta:
        verbose_name = "bulk search input"
        verbose_name_plural = "bulk search inputs"

    def __str__(self) -> str:
        return f"Inputs of bulk search {self.bulk_search_id} ({count_noun(len(self.rows), 'row')})"
