"""The one access policy: may this person use this function (or path) at this moment?

`access()` answers for a path or a service function, a user (or a persona) and a time:
200 (it works), 503 with the moment it works again (Retry-After), or 410 (retired for
good, in every mode, never with a Retry-After). The middleware, the links in templates,
the banners, the status API, the login and the rehearsal (`service_window preview`)
all ask it, so they cannot disagree. The tables it reads are in `modes.py`.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from service_status import functions as sf
from service_status.modes import (
    ALLOWED_FUNCTIONS,
    SERVICE_ADMIN_FUNCTIONS,
    ServiceMode,
)
from service_status.queries import (
    MAX_TIMELINE_STEPS,
    ModeState,
    Retirement,
    Snapshot,
    mode_at,
    retirement_at,
    snapshot_from_database,
    status_snapshot,
)
from service_status.timefmt import uk_time


class Persona(StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    ORG_ADMIN = "org_admin"
    SERVICE_ADMIN = "service_admin"

    @property
    def label(self) -> str:
        return PERSONA_LABELS[self]


PERSONA_LABELS = {
    Persona.ANONYMOUS: "anonymous",
    Persona.USER: "user",
    Persona.ORG_ADMIN: "organisation admin",
    Persona.SERVICE_ADMIN: "service admin",
}


def user_is_service_admin(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (getattr(user, "is_service_admin", False) or user.is_superuser)
    )


def persona_of(user) -> Persona:
    if user is None or not user.is_authenticated:
        return Persona.ANONYMOUS
    if user_is_service_admin(user):
        return Persona.SERVICE_ADMIN
    if getattr(user, "is_organisation_admin", False):
        return Persona.ORG_ADMIN
    return Persona.USER


class _Asker:
    """Who asks; the user is only looked at when a rule needs it (a refused page for
    everyone must not cost a session or user query: the offline page needs no database)."""

    def __init__(self, user, persona: Persona | None):
        self._user = user
        self._persona = persona

    @cached_property
    def persona(self) -> Persona:
        return self._persona if self._persona is not None else persona_of(self._user)


@dataclass(frozen=True)
class Access:
    function: sf.ServiceFunction
    at: datetime
    status: int = 200  # 200 works; 503 not now; 410 retired for good
    state: ModeState | None = None  # None for the always-available functions
    retirement: Retirement | None = None
    # When a 503 ends: the function works again from then (None: not known).
    available_from: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 200

    @property
    def retry_after(self) -> int | None:
        """Seconds until it works again, for the Retry-After header (503 only)."""
        if self.status != 503 or self.available_from is None:
            return None
        return max(1, math.ceil((self.available_from - self.at).total_seconds()))

    @property
    def message(self) -> str:
        """Why not, and until when, in words for users ("" when it works)."""
        if self.status == 410:
            return self.retirement.message
        if self.status == 200:
            return ""
        state = self.state
        if state.mode == ServiceMode.OFFLINE:
            text = "The service is offline"
        else:
            text = f"{self.function.label} is not available while the service is restricted"
        if state.reason:
            text += f" ({state.reason})"
        if self.available_from is not None:
            text += f"; it is expected back at {uk_time(self.available_from)} (UK time)."
        else:
            text += "; check the service status page for when it is expected back."
        return text

    @property
    def summary(self) -> str:
        """Short, for tables: 'works', '503 until 20:00 Fri 28 June', '410 retired'."""
        if self.status == 200:
            return "works"
        if self.status == 410:
            return "410 retired"
        if self.available_from is None:
            return "503 until changed"
        return f"503 until {uk_time(self.available_from)}"


def _lets_through(mode: str, function: sf.ServiceFunction, asker: _Asker) -> bool:
    allowed = ALLOWED_FUNCTIONS[mode]
    if allowed is None or function.name in allowed:
        return True
    if function.name not in SERVICE_ADMIN_FUNCTIONS[mode]:
        return False
    if mode == ServiceMode.OFFLINE and not settings.SERVICE_STATUS_ADMINS_WHEN_OFFLINE:
        return False
    persona = asker.persona
    # Nobody is known before logging in: the login page stays open to anonymous visitors
    # whenever service admins may log in, and the login refuses everyone else.
    if function.name == sf.SIGN_IN and persona == Persona.ANONYMOUS:
        return True
    return persona == Persona.SERVICE_ADMIN


def _available_from(
    snapshot: Snapshot, function: sf.ServiceFunction, asker: _Asker, at: datetime
) -> datetime | None:
    """The next moment the function works for this asker, through back-to-back windows;
    None when nothing planned ends the refusal, or it is retired by then."""
    moment = at
    for _ in range(MAX_TIMELINE_STEPS):
        if retirement_at(snapshot, function.name, moment) is not None:
            return None
        state = mode_at(snapshot, moment)
        if _lets_through(state.mode, function, asker):
            return moment
        if state.changes_at is None:
            return None
        moment = state.changes_at
    return None


def access(
    *,
    path: str | None = None,
    function: str | None = None,
    user=None,
    persona: Persona | None = None,
    at: datetime | None = None,
    snapshot: Snapshot | None = None,
) -> Access:
    """Whether `path` (or the function named `function`) works for `user` (or `persona`)
    at `at` (default: now), and if not, why and until when."""
    if (path is None) == (function is None):
        raise TypeError("Ask about a path or a function, not both.")
    if path is not None:
        service_function = sf.function_for_path(path)
    else:
        service_function = sf.service_function(function)
    at = at or timezone.now()
    if service_function.always_available:
        return Access(service_function, at)
    snapshot = snapshot or status_snapshot()
    state = mode_at(snapshot, at)
    retirement = retirement_at(snapshot, service_function.name, at)
    if retirement is not None:
        return Access(service_function, at, status=410, state=state, retirement=retirement)
    asker = _Asker(user, persona)
    if _lets_through(state.mode, service_function, asker):
        return Access(service_function, at, state=state)
    return Access(
        service_function,
        at,
        status=503,
        state=state,
        available_from=_available_from(snapshot, service_function, asker, at),
    )


# --- The rehearsal: the same policy, asked about another moment -------------------------


@dataclass(frozen=True)
class Rehearsal:
    at: datetime
    state: ModeState
    # One row per service function: its answer for each persona, in Persona order.
    rows: list[tuple[sf.ServiceFunction, tuple[Access, ...]]] = field(default_factory=list)

    def outcomes(self) -> list[tuple[str, tuple[int, ...]]]:
        """The statuses alone, to tell whether anything changed between two moments."""
        return [(f.name, tuple(a.status for a in answers)) for f, answers in self.rows]


def rehearse(*, at: datetime, snapshot: Snapshot | None = None) -> Rehearsal:
    """What every function answers each persona at `at`, with the windows, the manual
    mode and the retirements planned now."""
    snapshot = snapshot or snapshot_from_database(at=at)
    rows = [
        (
            function,
            tuple(
                access(function=function.name, persona=persona, at=at, snapshot=snapshot)
                for persona in Persona
            ),
        )
        for function in sf.SERVICE_FUNCTIONS
    ]
    return Rehearsal(at=at, state=mode_at(snapshot, at), rows=rows)


MAX_REHEARSAL_STEPS = 2000


def rehearse_timeline(*, start: datetime, end: datetime, step: timedelta) -> list[Rehearsal]:
    if step <= timedelta(0):
        raise ValueError("The step must be longer than nothing, e.g. 30m.")
    if end < start:
        raise ValueError("The timeline must end after it starts.")
    if (end - start) / step > MAX_REHEARSAL_STEPS:
        raise ValueError(f"That is more than {MAX_REHEARSAL_STEPS} steps; use a longer step.")
    snapshot = snapshot_from_database(at=start)
    moments = []
    moment = start.astimezone(UTC)  # steps of real time, across a clock change too
    while moment <= end:
        moments.append(moment)
        moment += step
    return [rehearse(at=m, snapshot=snapshot) for m in moments]
