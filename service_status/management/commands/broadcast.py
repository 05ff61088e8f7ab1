from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation
from service_status import services
from service_status.cli import command_line_actor, parse_uk_datetime
from service_status.models import Broadcast, BroadcastSeverity
from service_status.timefmt import uk_stamp, uk_time


class Command(BaseCommand):
    help = (
        "Service broadcasts: add one, post a timestamped update to one "
        "('Update (28/06/2019 18:51): ...'), end one, or list them. Validated and audited "
        "like the admin's."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Post a broadcast.")
        add.add_argument("--title", required=True)
        add.add_argument("--body", required=True, help="What users are told.")
        add.add_argument(
            "--severity", default=BroadcastSeverity.INFO, choices=BroadcastSeverity.values
        )
        add.add_argument("--from", dest="active_from", help="UK time; default now.")
        add.add_argument("--until", help="UK time; default: until ended.")
        add.add_argument(
            "--organisation", action="append", default=[], metavar="MPID", help="Repeatable."
        )
        add.add_argument("--market-roles", default="", help="Role codes, e.g. 'XM'.")
        add.add_argument("--user-role", action="append", default=[], help="Repeatable.")
        add.add_argument("--reason", default="", help="Why (optional; audited).")
        add.add_argument("--by", help="Who is posting (default: your login).")
        update = sub.add_parser("update", help="Post a timestamped update to a broadcast.")
        update.add_argument("id", type=int)
        update.add_argument("--text", required=True)
        update.add_argument("--by", help="Who is posting (default: your login).")
        end = sub.add_parser("end", help="Stop showing a broadcast (now, or --at).")
        end.add_argument("id", type=int)
        end.add_argument("--at", help="UK time; default now.")
        end.add_argument("--reason", default="", help="Why (optional; audited).")
        end.add_argument("--by", help="Who is ending it (default: your login).")
        sub.add_parser("list", help="Broadcasts not yet ended.")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except services.ServiceStatusError as error:
            raise CommandError(str(error)) from error

    def _add(
        self,
        *,
        title,
        body,
        severity,
        active_from,
        until,
        organisation,
        market_roles,
        user_role,
        reason,
        by,
        **_,
    ):
        organisations = list(Organisation.objects.filter(mpid__in=organisation))
        unknown = set(organisation) - {o.mpid for o in organisations}
        if unknown:
            raise CommandError(f"No organisation with MPID {', '.join(sorted(unknown))}.")
        broadcast = services.broadcast_create(
            title=title,
            body=body,
            severity=severity,
            active_from=parse_uk_datetime(active_from) if active_from else None,
            active_until=parse_uk_datetime(until) if until else None,
            organisations=organisations,
            market_role_codes=market_roles,
            user_roles=tuple(user_role),
            reason=reason,
            actor_label=command_line_actor(by),
        )
        self.stdout.write(f"Added broadcast #{broadcast.pk}: {self._describe(broadcast)}")

    def _update(self, *, id, text, by, **_):
        update = services.broadcast_update_post(
            broadcast=self._get(id), text=text, actor_label=command_line_actor(by)
        )
        self.stdout.write(f"Broadcast #{id}: Update ({uk_stamp(update.posted_at)}): {update.text}")

    def _end(self, *, id, at, reason, by, **_):
        broadcast = services.broadcast_end(
            broadcast=self._get(id),
            at=parse_uk_datetime(at) if at else None,
            reason=reason,
            actor_label=command_line_actor(by),
        )
        self.stdout.write(f"Ended broadcast #{broadcast.pk}: {self._describe(broadcast)}")

    def _list(self, **_):
        broadcasts = Broadcast.objects.filter(
            Q(active_until__isnull=True) | Q(active_until__gt=timezone.now())
        )
        for broadcast in broadcasts:
            self.stdout.write(f"#{broadcast.pk} {self._describe(broadcast)}")
        if not broadcasts:
            self.stdout.write("No broadcasts.")

    def _get(self, broadcast_id: int) -> Broadcast:
        try:
            return Broadcast.objects.get(pk=broadcast_id)
        except Broadcast.DoesNotExist:
            raise CommandError(f"There is no broadcast #{broadcast_id}.") from None

    @staticmethod
    def _describe(broadcast: Broadcast) -> str:
        until = f" until {uk_time(broadcast.active_until)}" if broadcast.active_until else ""
        return (
            f"{broadcast.title} ({broadcast.severity}), "
            f"from {uk_time(broadcast.active_from)}{until} (UK time)"
        )
