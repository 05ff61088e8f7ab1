"""The search audit (append-only)."""

from django.db import models
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from core.audit import AppendOnlyModel


class SearchAction(models.TextChoices):
    SEARCH = "search", "Search"
    DETAIL = "detail", "Detail view"
    EXPORT = "export", "CSV export"
    # One batch of a bulk search's results: `lookups` is the points it delivered.
    BULK = "bulk", "Bulk search"


class SearchChannel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"


class SearchEvent(AppendOnlyModel):
    """One search, detail view or export: who, for which organisation, what, when, where."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    api_key = models.ForeignKey(
        OrganisationApiKey,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    action = models.CharField(max_length=10, choices=SearchAction.choices)
    channel = models.CharField(max_length=3, choices=SearchChannel.choices)
    # parsing.SearchKind: mpan, postcode, serial.
    kind = models.CharField(max_length=10)
    query = models.CharField(max_length=120)
    result_count = models.PositiveIntegerField()
    # How many lookups this event counted against the daily caps: 1 for a search or a
    # detail view, the rows of an export, the points of a bulk search's batch.
    lookups = models.PositiveIntegerField(default=1)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The daily caps count a user's or a key's events since midnight (UK).
            models.Index(fields=["user", "created_at"], name="search_event_user_idx"),
            models.Index(fields=["api_key", "created_at"], name="search_event_key_idx"),
            # Usage reports: one organisation's, or everybody's, over a period.
            models.Index(fields=["organisation", "created_at"], name="search_event_org_idx"),
            models.Index(fields=["created_at"], name="search_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.kind} {self.query} ({self.result_count})"
