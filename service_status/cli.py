"""Helpers shared by the service_mode, service_window and broadcast commands."""

import getpass
import re
from datetime import datetime, timedelta

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from service_status.timefmt import uk_time


def parse_uk_datetime(value: str) -> datetime:
    """'2019-06-27 18:00' in UK time, or an ISO 8601 time with an offset."""
    moment = parse_datetime(value.strip().replace("T", " "))
    if moment is None:
        raise CommandError(f"{value!r} is not a date and time; use e.g. '2019-06-27 18:00'.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # TIME_ZONE is Europe/London
    return moment


def command_line_actor(by: str | None) -> str:
    person = by or getpass.getuser()
    return f"{person} (command line)"


_STEP = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")


def parse_step(value: str) -> timedelta:
    """'30m', '1h', '1h30m'."""
    match = _STEP.match(value.strip())
    if not value.strip() or match is None:
        raise CommandError(f"{value!r} is not a step; use e.g. 30m, 1h or 1h30m.")
    step = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if step <= timedelta(0):
        raise CommandError("The step must be at least a minute.")
    return step


def mode_line(state) -> str:
    """'offline (window #2 until 20:00 Fri 28 June: deploying updates)'."""
    if state.source == "override":
        until = f"until {uk_time(state.ends_at)}" if state.ends_at else "until changed"
        return f"{state.mode} (manual, {until}: {state.reason})"
    if state.source == "window":
        until = uk_time(state.ends_at)
        return f"{state.mode} (window #{state.window.id} until {until}: {state.reason})"
    return f"{state.mode} (no window active)"


def rehearsal_lines(rehearsal, *, table: bool = True) -> list[str]:
    """The rehearsal of one moment as text: the mode, then works / 503 until / 410 for
    each service function and persona (`table=False`: one line, nothing changed)."""
    from service_status.policy import Persona

    moment = f"{timezone.localtime(rehearsal.at):%a %d/%m/%Y %H:%M} (UK time)"
    if not table:
        return [f"{moment}  mode: {rehearsal.state.mode}, answers unchanged"]
    lines = [f"{moment}  mode: {mode_line(rehearsal.state)}"]
    width = max(len(f.name) for f, _ in rehearsal.rows) + 2
    cell = 29
    header = "function".ljust(width) + "".join(p.label.ljust(cell) for p in Persona)
    lines.append("  " + header.rstrip())
    for function, answers in rehearsal.rows:
        row = function.name.ljust(width) + "".join(a.summary.ljust(cell) for a in answers)
        lines.append("  " + row.rstrip())
    return lines
