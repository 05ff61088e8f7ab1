"""Reads: the mode in force, retired functions, banners and the status timeline.

The mode is never stored as "current": it is worked out from the clock
(`django.utils.timezone.now`) and a snapshot of the override, the windows, the
retirements and the active broadcasts. The snapshot is cached for a few seconds in the
Django cache (Redis in production) so that a request does not query the database;
if the cache fails, the database answers instead and the cache is left alone for a
while, so a dead Redis costs one timeout, not one per request.
"""

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from service_status import functions as sf
from service_status.modes import DESCRIPTIONS, SEVERITY, ServiceMode

logger = logging.getLogger(__name__)

SNAPSHOT_CACHE_KEY = "service-status:snapshot:v1"
CACHE_RETRY_SECONDS = 30
MAX_TIMELINE_STEPS = 100


@dataclass(frozen=True)
class WindowInfo:
    id: int
    mode: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    message: str

    def is_active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    @property
    def label(self) -> str:
        return ServiceMode(self.mode).label


@dataclass(frozen=True)
class OverrideInfo:
    mode: str
    until: datetime | None
    reason: str
    message: str
    set_at: datetime

    def is_active(self, at: datetime) -> bool:
        return self.until is None or at < self.until


@dataclass(frozen=True)
class Retirement:
    function: str
    label: str
    retired_from: datetime
    message: str


@dataclass(frozen=True)
class BroadcastInfo:
    id: int
    title: str
    severity: str
    body: str
    organisation_ids: frozenset[int]
    market_role_codes: str
    user_roles: tuple[str, ...]
    active_from: datetime
    active_until: datetime | None
    updates: tuple[tuple[datetime, str], ...] = ()

    @property
    def is_targeted(self) -> bool:
        return bool(self.organisation_ids or self.market_role_codes or self.user_roles)

    def is_active(self, at: datetime) -> bool:
        return self.active_from <= at and (self.active_until is None or at < self.active_until)

    def is_for(self, user) -> bool:
        """Every target that is set must match; an untargeted broadcast is for everyone."""
        if not self.is_targeted:
            return True
        if user is None or not user.is_authenticated:
            return False
        organisation = user.organisation
        if self.organisation_ids and (
            organisation is None or organisation.pk not in self.organisation_ids
        ):
            return False
        if self.market_role_codes and (
            organisation is None or not set(self.market_role_codes) & set(organisation.role_codes)
        ):
            return False
        return not (self.user_roles and user.role not in self.user_roles)

    @property
    def latest_update(self) -> tuple[datetime, str] | None:
        return self.updates[-1] if self.updates else None


@dataclass(frozen=True)
class Snapshot:
    override: OverrideInfo | None
    windows: tuple[WindowInfo, ...]
    retirements: dict[str, Retirement]
    broadcasts: tuple[BroadcastInfo, ...]
    taken_at: datetime


@dataclass(frozen=True)
class ModeState:
    """The mode at one moment, what set it, and when it may next change."""

    mode: str
    source: str  # "override", "window" or "normal"
    window: WindowInfo | None = None
    override: OverrideInfo | None = None
    # The next moment at which the mode may change (a window starts or ends, the
    # override expires); None when nothing is planned.
    changes_at: datetime | None = None

    @property
    def label(self) -> str:
        return ServiceMode(self.mode).label

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.mode]

    @property
    def ends_at(self) -> datetime | None:
        """The end of what set this mode: the window's end or the override's expiry."""
        if self.override is not None:
            return self.override.until
        if self.window is not None:
            return self.window.ends_at
        return None

    @property
    def reason(self) -> str:
        source = self.override or self.window
        return source.reason if source else ""

    @property
    def message(self) -> str:
        source = self.override or self.window
        return source.message if source else ""


# --- The snapshot, from the database or the cache ------------------------------------


def _configured_retirements() -> dict[str, Retirement]:
    """Retirements seeded from settings.SERVICE_RETIRED_FUNCTIONS (the database wins)."""
    seeded = {}
    for name, spec in getattr(settings, "SERVICE_RETIRED_FUNCTIONS", {}).items():
        function = sf.service_function(name)
        if not function.retirable:
            raise ValueError(f"SERVICE_RETIRED_FUNCTIONS: {name!r} cannot be retired.")
        retired_from = spec["from"]
        if isinstance(retired_from, str):
            retired_from = parse_datetime(retired_from)
        if retired_from is None or timezone.is_naive(retired_from):
            raise ValueError(f"SERVICE_RETIRED_FUNCTIONS[{name!r}]['from'] needs a UTC offset.")
        seeded[name] = Retirement(
            function=name,
            label=function.label,
            retired_from=retired_from,
            message=spec.get("message", f"{function.label} has been retired."),
        )
    return seeded


def _broadcast_info(broadcast) -> BroadcastInfo:
    """A plain copy of a Broadcast (organisations and updates prefetched), to cache."""
    return BroadcastInfo(
        id=broadcast.pk,
        title=broadcast.title,
        severity=broadcast.severity,
        body=broadcast.body,
        organisation_ids=frozenset(o.pk for o in broadcast.organisations.all()),
        market_role_codes=broadcast.market_role_codes,
        user_roles=tuple(broadcast.user_role_list),
        active_from=broadcast.active_from,
        active_until=broadcast.active_until,
        updates=tuple((u.posted_at, u.text) for u in broadcast.updates.all()),
    )


def snapshot_from_database(*, at: datetime | None = None) -> Snapshot:
    from service_status.models import (
        Broadcast,
        RetiredFunction,
        ServiceOverride,
        ServiceWindow,
    )

    at = at or timezone.now()
    override = ServiceOverride.objects.filter(pk=ServiceOverride.SINGLETON_ID).first()
    windows = tuple(
        WindowInfo(w.pk, w.mode, w.starts_at, w.ends_at, w.reason, w.message)
        for w in ServiceWindow.objects.filter(ends_at__gt=at).order_by("starts_at", "pk")
    )
    retirements = _configured_retirements()
    for row in RetiredFunction.objects.all():
        retirements[row.function] = Retirement(
            row.function, sf.service_function(row.function).label, row.retired_from, row.message
        )
    broadcasts = tuple(
        _broadcast_info(b)
        for b in Broadcast.objects.exclude(active_until__lte=at).prefetch_related(
            "organisations", "updates"
        )
    )
    return Snapshot(
        override=OverrideInfo(
            override.mode, override.until, override.reason, override.message, override.set_at
        )
        if override and (override.until is None or override.until > at)
        else None,
        windows=windows,
        retirements=retirements,
        broadcasts=broadcasts,
        taken_at=at,
    )


_cache_unusable_until = 0.0


def _cache_call(method: str, *args):
    """Call the cache; on failure log it, and bypass the cache for a little while."""
    global _cache_unusable_until
    if time.monotonic() < _cache_unusable_until:
        return None
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:  # noqa: BLE001 - any cache failure falls back to the database
        logger.warning("service status: cache %s failed, using the database: %s", method, exc)
        _cache_unusable_until = time.monotonic() + CACHE_RETRY_SECONDS
        return None


# The snapshot as this process last read it, and when (monotonic); it is used without
# asking Redis for SERVICE_STATUS_PROCESS_SECONDS: a page asks for it several times (the
# middleware, each navigation link, the banners), each time a Redis round trip and an
# unpickling.
_process_snapshot: tuple[float, Snapshot | None] = (float("-inf"), None)


def status_snapshot() -> Snapshot:
    global _process_snapshot
    read_at, snapshot = _process_snapshot
    if (
        snapshot is not None
        and time.monotonic() - read_at < settings.SERVICE_STATUS_PROCESS_SECONDS
    ):
        return snapshot
    snapshot = _cache_call("get", SNAPSHOT_CACHE_KEY)
    if snapshot is None:
        snapshot = snapshot_from_database()
        _cache_call("set", SNAPSHOT_CACHE_KEY, snapshot, settings.SERVICE_STATUS_CACHE_SECONDS)
    _process_snapshot = (time.monotonic(), snapshot)
    return snapshot


def status_cache_clear() -> None:
    """Forget the cached snapshot, here and in the shared cache (after a change, and
    between tests); other processes see the change within SERVICE_STATUS_PROCESS_SECONDS
    plus SERVICE_STATUS_CACHE_SECONDS."""
    global _cache_unusable_until, _process_snapshot
    _cache_unusable_until = 0.0
    _process_snapshot = (float("-inf"), None)
    _cache_call("delete", SNAPSHOT_CACHE_KEY)


# --- The mode at a moment -------------------------------------------------------------


def mode_at(snapshot: Snapshot, at: datetime) -> ModeState:
    """Manual override if set, else the most restrictive active window, else normal."""
    override = snapshot.override
    if override is not None and override.is_active(at):
        return ModeState(override.mode, "override", override=override, changes_at=override.until)
    active = [w for w in snapshot.windows if w.is_active(at)]
    boundaries = [w.ends_at for w in active] + [
        w.starts_at for w in snapshot.windows if w.starts_at > at
    ]
    changes_at = min(boundaries, default=None)
    if not active:
        return ModeState(ServiceMode.NORMAL, "normal", changes_at=changes_at)
    # Most restrictive first; of equals, the one that lasts longest says "until when".
    window = max(active, key=lambda w: (SEVERITY[w.mode], w.ends_at))
    return ModeState(window.mode, "window", window=window, changes_at=changes_at)


def mode_in_force(*, at: datetime | None = None, fresh: bool = False) -> ModeState:
    at = at or timezone.now()
    snapshot = snapshot_from_database(at=at) if fresh else status_snapshot()
    return mode_at(snapshot, at)


def mode_without_window(window_id: int, *, at: datetime | None = None) -> ModeState:
    """The mode in force at `at` (default now) if window `window_id` ended then: what the
    service returns to when the window is ended now (the admin's confirmation says it)."""
    at = at or timezone.now()
    snapshot = snapshot_from_database(at=at)
    others = tuple(w for w in snapshot.windows if w.id != window_id)
    return mode_at(replace(snapshot, windows=others), at)


def upcoming_windows(
    snapshot: Snapshot, *, at: datetime, within: timedelta | None = None
) -> list[WindowInfo]:
    horizon = at + within if within is not None else None
    return [
        w
        for w in snapshot.windows
        if w.starts_at > at and (horizon is None or w.starts_at <= horizon)
    ]


# --- Retired functions: the one place every feature asks -----------------------------


def retirement_at(snapshot: Snapshot, name: str, at: datetime) -> Retirement | None:
    """The retirement of a function if it is retired at `at` (the access policy asks this)."""
    retirement = snapshot.retirements.get(name)
    if retirement is None or at < retirement.retired_from:
        return None
    return retirement


def retired_function_or_none(name: str, at: datetime | None = None) -> Retirement | None:
    """The retirement of a service function if it is retired at `at` (default: now).

    Features call this before doing the work of a function that may be retired, e.g. the
    registry before it processes a D0312 file:
    `retired_function_or_none(D0312_MAINTENANCE, at=received_at)`.
    """
    sf.service_function(name)  # an unknown name is a programming error: fail loudly
    return retirement_at(status_snapshot(), name, at or timezone.now())


# --- Banners and the status page ----------------------------------------------------------


def banner_broadcast(*, user=None, at: datetime | None = None) -> BroadcastInfo | None:
    """The latest active broadcast meant for this user (None: no banner)."""
    at = at or timezone.now()
    for broadcast in sorted(
        status_snapshot().broadcasts, key=lambda b: (b.active_from, b.id), reverse=True
    ):
        if broadcast.is_active(at) and broadcast.is_for(user):
            return broadcast
    return None


def window_announcements(*, at: datetime | None = None) -> list[WindowInfo]:
    """Windows starting within SERVICE_STATUS_ANNOUNCE_DAYS, announced on every page."""
    at = at or timezone.now()
    return upcoming_windows(
        status_snapshot(),
        at=at,
        within=timedelta(days=settings.SERVICE_STATUS_ANNOUNCE_DAYS),
    )


def broadcast_timeline(*, user=None, limit: int = 20):
    """Broadcasts (newest first) with their updates, for the status page and the feed.

    Anonymous visitors and the feed see the untargeted ones only.
    """
    from service_status.models import Broadcast

    at = timezone.now()
    broadcasts = (
        Broadcast.objects.filter(active_from__lte=at)
        .prefetch_related("organisations", "updates")
        .order_by("-active_from", "-pk")
    )
    shown = []
    for broadcast in broadcasts[: limit * 3]:
        if _broadcast_info(broadcast).is_for(user):
            shown.append(broadcast)
        if len(shown) == limit:
            break
    return shown
