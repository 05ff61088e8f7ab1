"""Writes to the service status. Each change is audited and refreshes the cached status."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.roles import MarketRole, UserRole
from service_status import functions as sf
from service_status.models import (
    Broadcast,
    BroadcastSeverity,
    BroadcastUpdate,
    RetiredFunction,
    ServiceOverride,
    ServiceStatusChange,
    ServiceWindow,
)
from service_status.modes import ServiceMode
from service_status.queries import mode_in_force, status_cache_clear
from service_status.timefmt import uk_period, uk_stamp, uk_time

Action = ServiceStatusChange.Action


class ServiceStatusError(Exception):
    """A change to the service status that cannot be made; the message says why."""


def _actor_label(actor, actor_label: str | None) -> str:
    if actor_label:
        return actor_label
    if actor is not None:
        return actor.email
    raise ServiceStatusError("Say who makes the change.")


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceStatusError("Give a reason: every change to the service status is audited.")
    return reason


def _refresh_cache_now_and_on_commit() -> None:
    # Now, so this process sees its own change; again on commit, in case another
    # request cached the old state in between.
    status_cache_clear()
    transaction.on_commit(status_cache_clear)


def _audited(*, action, subject: str, reason: str, actor, actor_label: str | None, change):
    """Apply `change` and write its audit row, with the mode in force before and after."""
    label = _actor_label(actor, actor_label)
    reason = _require_reason(reason)
    with transaction.atomic():
        before = mode_in_force(fresh=True).mode
        result = change()
        after = mode_in_force(fresh=True).mode
        ServiceStatusChange.objects.create(
            actor=actor,
            actor_label=label,
            action=action,
            mode_before=before,
            mode_after=after,
            subject=subject(result) if callable(subject) else subject,
            reason=reason,
        )
        _refresh_cache_now_and_on_commit()
    return result


# --- The manual override --------------------------------------------------------------


def service_mode_set(
    *,
    mode: str,
    reason: str,
    until: datetime | None = None,
    message: str = "",
    actor=None,
    actor_label: str | None = None,
) -> ServiceOverride:
    """Force a mode, beating the schedule, until `until` (or until cleared)."""
    if mode not in ServiceMode.values:
        raise ServiceStatusError(f"{mode!r} is not a mode; use one of {ServiceMode.values}.")
    now = timezone.now()
    if until is not None and until <= now:
        raise ServiceStatusError(f"'Until' ({uk_time(until)}) must be in the future.")

    def change():
        override, _ = ServiceOverride.objects.update_or_create(
            pk=ServiceOverride.SINGLETON_ID,
            defaults={
                "mode": mode,
                "until": until,
                "reason": _require_reason(reason),
                "message": message,
                "set_by": actor,
                "set_at": now,
            },
        )
        return override

    until_text = f" until {uk_time(until)}" if until else " until changed"
    return _audited(
        action=Action.OVERRIDE_SET,
        subject=f"manual mode {mode}{until_text}",
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=change,
    )


def service_mode_clear(*, reason: str, actor=None, actor_label: str | None = None) -> None:
    """Drop the manual mode: the schedule (windows, else normal) decides again."""
    if not ServiceOverride.objects.exists():
        raise ServiceStatusError("No manual mode is set; the schedule already decides.")
    _audited(
        action=Action.OVERRIDE_CLEARED,
        subject="manual mode cleared",
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=lambda: ServiceOverride.objects.all().delete(),
    )


# --- Scheduled windows ----------------------------------------------------------------


def _window_subject(window: ServiceWindow) -> str:
    return f"window #{window.pk}: {window.mode} {uk_period(window.starts_at, window.ends_at)}"


def _check_window(window: ServiceWindow) -> None:
    if window.mode not in (ServiceMode.RESTRICTED, ServiceMode.OFFLINE):
        raise ServiceStatusError("A window is either restricted or offline.")
    if window.ends_at <= window.starts_at:
        raise ServiceStatusError("A window must end after it starts.")
    if not (window.reason or "").strip():
        raise ServiceStatusError("A window needs a reason; users are shown it.")


def service_window_save(
    *, window: ServiceWindow, reason: str, actor=None, actor_label: str | None = None
) -> ServiceWindow:
    """Create or change a window (the admin's path), audited."""
    _check_window(window)
    adding = window._state.adding

    def change():
        if adding and actor is not None and window.created_by_id is None:
            window.created_by = actor
        window.save()
        return window

    return _audited(
        action=Action.WINDOW_ADDED if adding else Action.WINDOW_CHANGED,
        subject=_window_subject,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=change,
    )


def service_window_add(
    *,
    mode: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    message: str = "",
    actor=None,
    actor_label: str | None = None,
) -> ServiceWindow:
    window = ServiceWindow(
        mode=mode, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), message=message
    )
    return service_window_save(window=window, reason=reason, actor=actor, actor_label=actor_label)


def service_window_end_now(
    *, window: ServiceWindow, reason: str, actor=None, actor_label: str | None = None
) -> ServiceWindow:
    """End an active window early (e.g. the deployment finished ahead of time)."""
    now = timezone.now()
    if not window.starts_at <= now < window.ends_at:
        raise ServiceStatusError(f"Window #{window.pk} is not active, so it cannot be ended now.")
    if window.starts_at == now:
        raise ServiceStatusError(f"Window #{window.pk} has only just started; remove it instead.")
    window.ends_at = now
    return service_window_save(window=window, reason=reason, actor=actor, actor_label=actor_label)


class WindowEnding:
    """How `service_window_end` ended a window: "ended" (an active window's end is now)
    or "called off" (an upcoming window removed before it started)."""

    ENDED = "ended"
    CALLED_OFF = "called off"


def service_window_end(
    *, window: ServiceWindow, reason: str, actor=None, actor_label: str | None = None
) -> str:
    """End a window now, the admin's "End this window now", audited with the reason.

    An active window ends at this moment (its end time becomes now, through
    `service_window_save`: the row stays as the record of what happened). An upcoming
    window cannot end before it starts, so it is called off: removed, with an audit row
    that keeps its times. A window that has already ended is refused. Returns a
    `WindowEnding` value.
    """
    _require_reason(reason)
    with transaction.atomic():
        # As it is now, locked: another admin may have changed or removed it meanwhile.
        current = ServiceWindow.objects.select_for_update().filter(pk=window.pk).first()
        if current is None:
            raise ServiceStatusError(f"Window #{window.pk} no longer exists; nothing was changed.")
        now = timezone.now()
        if current.ends_at <= now:
            raise ServiceStatusError(
                f"Window #{current.pk} already ended at {uk_time(current.ends_at)}; "
                "nothing was changed."
            )
        if current.starts_at < now:
            service_window_end_now(
                window=current, reason=reason, actor=actor, actor_label=actor_label
            )
            return WindowEnding.ENDED
        service_window_remove(
            window=current,
            reason=reason,
            actor=actor,
            actor_label=actor_label,
            note="called off before it started",
        )
        return WindowEnding.CALLED_OFF


def service_window_remove(
    *,
    window: ServiceWindow,
    reason: str,
    actor=None,
    actor_label: str | None = None,
    note: str = "",
) -> None:
    """Delete the window, audited; `note` is added to the audit row's subject."""
    subject = _window_subject(window)
    _audited(
        action=Action.WINDOW_REMOVED,
        subject=f"{subject}, {note}" if note else subject,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=window.delete,
    )


# --- Retired functions ------------------------------------------------------------------


def retired_function_set(
    *,
    function: str,
    retired_from: datetime,
    message: str,
    reason: str,
    actor=None,
    actor_label: str | None = None,
) -> RetiredFunction:
    if function not in dict(sf.RETIRABLE_FUNCTION_CHOICES):
        raise ServiceStatusError(f"{function!r} cannot be retired.")
    if not message.strip():
        raise ServiceStatusError("Say what users should do instead: the message is shown to them.")

    def change():
        retirement, _ = RetiredFunction.objects.update_or_create(
            function=function, defaults={"retired_from": retired_from, "message": message}
        )
        return retirement

    return _audited(
        action=Action.RETIREMENT_SET,
        subject=f"{function} retired from {uk_time(retired_from)}",
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=change,
    )


def retired_function_remove(
    *, retirement: RetiredFunction, reason: str, actor=None, actor_label: str | None = None
) -> None:
    _audited(
        action=Action.RETIREMENT_REMOVED,
        subject=f"{retirement.function} no longer retired",
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        change=retirement.delete,
    )


# --- Broadcasts -------------------------------------------------------------------------

# Broadcasts say something to users rather than change what works, so a reason is optional.
BROADCAST_REASON = "to keep users informed"


def _broadcast_subject(broadcast: Broadcast) -> str:
    until = f" until {uk_time(broadcast.active_until)}" if broadcast.active_until else ""
    starts = uk_time(broadcast.active_from)
    return f"broadcast #{broadcast.pk} {broadcast.title!r}, from {starts}{until}"


def _check_broadcast(broadcast: Broadcast) -> None:
    if not (broadcast.title or "").strip():
        raise ServiceStatusError("A broadcast needs a title.")
    if not (broadcast.body or "").strip():
        raise ServiceStatusError("A broadcast needs some text for users.")
    if broadcast.severity not in BroadcastSeverity.values:
        raise ServiceStatusError(
            f"{broadcast.severity!r} is not a severity; use one of {BroadcastSeverity.values}."
        )
    if broadcast.active_until is not None and broadcast.active_until <= broadcast.active_from:
        raise ServiceStatusError(
            f"A broadcast must end after it starts: it ends at {uk_time(broadcast.active_until)}"
            f" but starts at {uk_time(broadcast.active_from)}."
        )
    unknown_roles = set(broadcast.user_role_list) - set(UserRole.values)
    if unknown_roles:
        raise ServiceStatusError(
            f"Unknown portal {'role' if len(unknown_roles) == 1 else 'roles'} "
            f"{sorted(unknown_roles)}; use {UserRole.values}."
        )
    unknown_codes = set(broadcast.market_role_codes) - set(MarketRole.values)
    if unknown_codes:
        raise ServiceStatusError(
            f"Unknown market role {'code' if len(unknown_codes) == 1 else 'codes'} "
            f"{sorted(unknown_codes)}; use {MarketRole.values}."
        )


def broadcast_check(broadcast: Broadcast) -> None:
    """Raise ServiceStatusError if the broadcast could not be saved (for forms)."""
    _check_broadcast(broadcast)


def broadcast_save(
    *,
    broadcast: Broadcast,
    organisations=None,
    reason: str = "",
    actor=None,
    actor_label: str | None = None,
) -> Broadcast:
    """Create or change a broadcast (the admin's path and the command's), audited.

    `organisations` (None: leave them as they are) narrows the audience."""
    broadcast.market_role_codes = "".join(sorted(set(broadcast.market_role_codes)))
    _check_broadcast(broadcast)
    adding = broadcast._state.adding

    def change():
        if adding and actor is not None and broadcast.created_by_id is None:
            broadcast.created_by = actor
        broadcast.save()
        if organisations is not None:
            broadcast.organisations.set(organisations)
        return broadcast

    return _audited(
        action=Action.BROADCAST_ADDED if adding else Action.BROADCAST_CHANGED,
        subject=_broadcast_subject,
        reason=reason or BROADCAST_REASON,
        actor=actor,
        actor_label=actor_label,
        change=change,
    )


def broadcast_create(
    *,
    title: str,
    body: str,
    severity: str = BroadcastSeverity.INFO,
    active_from: datetime | None = None,
    active_until: datetime | None = None,
    organisations=(),
    market_role_codes: str = "",
    user_roles: tuple[str, ...] = (),
    reason: str = "",
    actor=None,
    actor_label: str | None = None,
) -> Broadcast:
    broadcast = Broadcast(
        title=(title or "").strip(),
        body=(body or "").strip(),
        severity=severity,
        active_from=active_from or timezone.now(),
        active_until=active_until,
        market_role_codes=market_role_codes,
        user_roles=",".join(user_roles),
    )
    return broadcast_save(
        broadcast=broadcast,
        organisations=organisations,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
    )


def broadcast_update_post(
    *,
    broadcast: Broadcast,
    text: str,
    posted_at: datetime | None = None,
    actor=None,
    actor_label: str | None = None,
) -> BroadcastUpdate:
    """Add a timestamped update, shown as 'Update (28/06/2019 18:51): ...'; audited."""
    text = (text or "").strip()
    if not text:
        raise ServiceStatusError("An update needs some text.")
    posted_at = posted_at or timezone.now()
    return _audited(
        action=Action.BROADCAST_UPDATE_POSTED,
        subject=f"broadcast #{broadcast.pk} update ({uk_stamp(posted_at)})",
        reason=text,
        actor=actor,
        actor_label=actor_label,
        change=lambda: BroadcastUpdate.objects.create(
            broadcast=broadcast, text=text, posted_at=posted_at
        ),
    )


def broadcast_end(
    *,
    broadcast: Broadcast,
    at: datetime | None = None,
    reason: str = "",
    actor=None,
    actor_label: str | None = None,
) -> Broadcast:
    """Stop showing a broadcast from `at` (default: now); it stays on the status page."""
    at = at or timezone.now()
    if broadcast.active_until is not None and broadcast.active_until <= timezone.now():
        raise ServiceStatusError(f"Broadcast #{broadcast.pk} has ended already.")
    if at <= broadcast.active_from:
        raise ServiceStatusError(
            f"A broadcast must end after it starts ({uk_time(broadcast.active_from)})."
        )

    def change():
        broadcast.active_until = at
        broadcast.save(update_fields=["active_until"])
        return broadcast

    return _audited(
        action=Action.BROADCAST_ENDED,
        subject=lambda b: f"broadcast #{b.pk} {b.title!r} ended at {uk_time(at)}",
        reason=reason or BROADCAST_REASON,
        actor=actor,
        actor_label=actor_label,
        change=change,
    )
