from django.core.management.base import BaseCommand, CommandError

from service_status import services
from service_status.cli import command_line_actor, parse_uk_datetime
from service_status.modes import ServiceMode
from service_status.queries import mode_in_force
from service_status.timefmt import uk_time


class Command(BaseCommand):
    help = (
        "Show or set the manual service mode. 'status' shows the mode in force; "
        "normal|restricted|offline set a manual mode that beats the schedule "
        "(--until ends it); 'schedule' clears it. Changes need --reason and are audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", *ServiceMode.values, "schedule"])
        parser.add_argument("--until", help="UK time, e.g. '2019-06-28 20:00'.")
        parser.add_argument("--reason", help="Why (required for a change; audited).")
        parser.add_argument("--message", default="", help="Shown to users (optional).")
        parser.add_argument("--by", help="Who is making the change (default: your login).")

    def handle(self, *args, action, until, reason, message, by, **options):
        if action == "status":
            self._status()
            return
        if not (reason or "").strip():
            raise CommandError("--reason is required: every change of mode is audited.")
        try:
            if action == "schedule":
                if until:
                    raise CommandError("--until does not apply to 'schedule'.")
                services.service_mode_clear(reason=reason, actor_label=command_line_actor(by))
            else:
                services.service_mode_set(
                    mode=action,
                    until=parse_uk_datetime(until) if until else None,
                    reason=reason,
                    message=message,
                    actor_label=command_line_actor(by),
                )
        except services.ServiceStatusError as error:
            raise CommandError(str(error)) from error
        self._status()

    def _status(self):
        state = mode_in_force(fresh=True)
        line = f"Mode: {state.mode}"
        if state.source == "override":
            until = f" until {uk_time(state.ends_at)}" if state.ends_at else " until changed"
            line += f" (manual{until}; scheduled windows are ignored meanwhile): {state.reason}"
        elif state.source == "window":
            line += f" (window #{state.window.id} until {uk_time(state.ends_at)}): {state.reason}"
        else:
            line += " (no window active)"
        self.stdout.write(line)
        if state.changes_at:
            self.stdout.write(f"Next change: {uk_time(state.changes_at)} (UK time)")
