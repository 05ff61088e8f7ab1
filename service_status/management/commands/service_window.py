from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from service_status import policy, services
from service_status.cli import (
    command_line_actor,
    parse_step,
    parse_uk_datetime,
    rehearsal_lines,
)
from service_status.models import ServiceWindow
from service_status.modes import ServiceMode
from service_status.timefmt import uk_period


class Command(BaseCommand):
    help = (
        "Plan restricted or offline windows: add, list, end (now) or remove (audited); "
        "preview what each function answers each persona at a moment (--at) or over a "
        "timeline (--from, --to, --step), with the windows, manual mode and retirements "
        "planned now."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Schedule a window.")
        add.add_argument("--mode", required=True, choices=[ServiceMode.RESTRICTED, "offline"])
        add.add_argument("--start", required=True, help="UK time, e.g. '2019-06-27 18:00'.")
        add.add_argument("--end", required=True, help="UK time, e.g. '2019-06-29 08:00'.")
        add.add_argument("--reason", required=True, help="Why; shown to users and audited.")
        add.add_argument("--message", default="", help="More for users (optional).")
        add.add_argument("--by", help="Who is making the change (default: your login).")
        listing = sub.add_parser("list", help="Windows not yet over (--all: every one).")
        listing.add_argument("--all", action="store_true")
        for name, text in [("end", "End an active window now."), ("remove", "Delete a window.")]:
            one = sub.add_parser(name, help=text)
            one.add_argument("id", type=int)
            one.add_argument("--reason", required=True, help="Why; audited.")
            one.add_argument("--by", help="Who is making the change (default: your login).")
        preview = sub.add_parser("preview", help="Rehearse a moment or a timeline.")
        preview.add_argument("--at", help="UK time, e.g. '2019-06-28 18:30'.")
        preview.add_argument("--from", dest="start", help="Start of a timeline (UK time).")
        preview.add_argument("--to", dest="end", help="End of a timeline (UK time).")
        preview.add_argument("--step", default="30m", help="Timeline step, e.g. 30m or 1h.")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except services.ServiceStatusError as error:
            raise CommandError(str(error)) from error

    def _add(self, *, mode, start, end, reason, message, by, **_):
        window = services.service_window_add(
            mode=mode,
            starts_at=parse_uk_datetime(start),
            ends_at=parse_uk_datetime(end),
            reason=reason,
            message=message,
            actor_label=command_line_actor(by),
        )
        self.stdout.write(f"Added window #{window.pk}: {self._describe(window)}")

    def _list(self, *, all, **_):
        windows = ServiceWindow.objects.all()
        if not all:
            windows = windows.filter(ends_at__gt=timezone.now())
        for window in windows:
            self.stdout.write(f"#{window.pk} {self._describe(window)}")
        if not windows:
            self.stdout.write("No windows.")

    def _preview(self, *, at, start, end, step, **_):
        if at and not (start or end):
            for line in rehearsal_lines(policy.rehearse(at=parse_uk_datetime(at))):
                self.stdout.write(line)
            return
        if at or not (start and end):
            raise CommandError("Give either --at, or --from and --to (and --step).")
        try:
            timeline = policy.rehearse_timeline(
                start=parse_uk_datetime(start), end=parse_uk_datetime(end), step=parse_step(step)
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        previous = None
        for rehearsal in timeline:
            # The table only when an answer changes; otherwise one line per step.
            changed = rehearsal.outcomes() != previous
            for line in rehearsal_lines(rehearsal, table=changed):
                self.stdout.write(line)
            previous = rehearsal.outcomes()

    def _get(self, window_id: int) -> ServiceWindow:
        try:
            return ServiceWindow.objects.get(pk=window_id)
        except ServiceWindow.DoesNotExist:
            raise CommandError(f"There is no window #{window_id}.") from None

    def _end(self, *, id, reason, by, **_):
        window = services.service_window_end_now(
            window=self._get(id), reason=reason, actor_label=command_line_actor(by)
        )
        self.stdout.write(f"Ended window #{window.pk}: {self._describe(window)}")

    def _remove(self, *, id, reason, by, **_):
        window = self._get(id)
        description = self._describe(window)
        services.service_window_remove(
            window=window, reason=reason, actor_label=command_line_actor(by)
        )
        self.stdout.write(f"Removed window #{id}: {description}")

    @staticmethod
    def _describe(window: ServiceWindow) -> str:
        period = uk_period(window.starts_at, window.ends_at)
        return f"{window.mode} {period} (UK time): {window.reason}"
