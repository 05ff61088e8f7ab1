"""Service status data: windows, the manual override, retirements, broadcasts, audit.

Writes go through `service_status.services` so that each one is audited and the
cached status is refreshed; the admin calls the same functions.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.roles import UserRole
from core.audit import AppendOnlyModel
from service_status.functions import RETIRABLE_FUNCTION_CHOICES
from service_status.modes import ServiceMode
from service_status.timefmt import uk_period, uk_stamp

RESTRICTING_MODES = [
    (ServiceMode.RESTRICTED.value, ServiceMode.RESTRICTED.label),
    (ServiceMode.OFFLINE.value, ServiceMode.OFFLINE.label),
]


class ServiceWindow(models.Model):
    """A scheduled period in restricted or offline mode, e.g. a cut-over weekend."""

    mode = models.CharField(max_length=20, choices=RESTRICTING_MODES)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(
        max_length=200, help_text="Why: shown to users, e.g. 'DTC 12.5 release: data migration'."
    )
    message = models.TextField(
        blank=True, help_text="What users should know or do during the window (optional)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "ecoes_servicewindow"  # created as the "ecoes" app's table; kept
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="ecoes_window_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {uk_period(self.starts_at, self.ends_at)}"


class ServiceOverride(models.Model):
    """The operator's manual mode; at most one row. It beats every scheduled window."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    mode = models.CharField(max_length=20, choices=ServiceMode.choices)
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: until changed.")
    reason = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ecoes_serviceoverride"  # created as the "ecoes" app's table; kept
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="ecoes_override_is_a_singleton"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} (manual)"


class RetiredFunction(models.Model):
    """A service function switched off for good from a moment on (e.g. D0312 maintenance)."""

    function = models.CharField(max_length=40, choices=RETIRABLE_FUNCTION_CHOICES, unique=True)
    retired_from = models.DateTimeField()
    message = models.TextField(help_text="Shown on the 410 page and in the API error.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "ecoes_retiredfunction"  # created as the "ecoes" app's table; kept
        ordering = ["retired_from"]

    def __str__(self) -> str:
        return f"{self.get_function_display()} retired"


class BroadcastSeverity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Broadcast(models.Model):
    """A service announcement, shown as a banner while active, with timestamped updates.

    With no target every visitor sees it; each target that is set narrows the audience
    (organisations, market roles of the user's organisation, the user's portal role).
    """

    title = models.CharField(max_length=200)
    severity = models.CharField(
        max_length=10, choices=BroadcastSeverity.choices, default=BroadcastSeverity.INFO
    )
    body = models.TextField()
    organisations = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+")
    market_role_codes = models.CharField(
        "market roles",
        max_length=10,
        blank=True,
        help_text="Role codes as letters, e.g. 'XM' for suppliers and MOPs; empty for all.",
    )
    user_roles = models.CharField(
        max_length=100,
        blank=True,
        help_text=f"Comma-separated portal roles ({', '.join(UserRole.values)}); empty for all.",
    )
    active_from = models.DateTimeField(default=timezone.now)
    active_until = models.DateTimeField(null=True, blank=True, help_text="Empty: until ended.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "ecoes_broadcast"  # created as the "ecoes" app's table; kept
        ordering = ["-active_from", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def user_role_list(self) -> list[str]:
        return [role.strip() for role in self.user_roles.split(",") if role.strip()]


class BroadcastUpdate(models.Model):
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="updates")
    posted_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        db_table = "ecoes_broadcastupdate"  # created as the "ecoes" app's table; kept
        ordering = ["posted_at", "pk"]

    def __str__(self) -> str:
        return f"Update ({uk_stamp(self.posted_at)}): {self.text}"


class ServiceStatusChange(AppendOnlyModel):
    """Audit: one row per change to the mode, windows, retirements or broadcasts. Append-only."""

    class Action(models.TextChoices):
        OVERRIDE_SET = "override_set", "Manual mode set"
        OVERRIDE_CLEARED = "override_cleared", "Manual mode cleared (back to the schedule)"
        WINDOW_ADDED = "window_added", "Window added"
        WINDOW_CHANGED = "window_changed", "Window changed"
        WINDOW_REMOVED = "window_removed", "Window removed"
        RETIREMENT_SET = "retirement_set", "Function retired"
        RETIREMENT_REMOVED = "retirement_removed", "Retirement withdrawn"
        BROADCAST_ADDED = "broadcast_added", "Broadcast added"
        BROADCAST_CHANGED = "broadcast_changed", "Broadcast changed"
        BROADCAST_UPDATE_POSTED = "broadcast_update_posted", "Broadcast update posted"
        BROADCAST_ENDED = "broadcast_ended", "Broadcast ended"

    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("who", max_length=200)
    action = models.CharField(max_length=30, choices=Action.choices)
    mode_before = models.CharField(max_length=20, choices=ServiceMode.choices)
    mode_after = models.CharField(max_length=20, choices=ServiceMode.choices)
    subject = models.CharField("what", max_length=300)
    reason = models.TextField("why")

    class Meta:
        db_table = "ecoes_servicestatuschange"  # created as the "ecoes" app's table; kept
        ordering = ["-at", "-pk"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label}"
