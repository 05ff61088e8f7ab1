from django.core.management.base import BaseCommand, CommandError

from core.text import count_noun
from extracts.kinds import ExtractKind
from extracts.models import MigrationRun
from extracts.queries import migration_run_parties, migration_run_totals
from extracts.services import ExtractError, migration_run_resume, migration_run_start


class Command(BaseCommand):
    help = (
        "Migration runs: one extract per party holding a role, e.g. "
        "`migration_run start --kind meter_technical_details --role M`; "
        "`migration_run status RUN_ID`; `migration_run resume RUN_ID`."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        start = actions.add_parser("start", help="Start a run (files are made by the workers).")
        start.add_argument("--kind", required=True, choices=ExtractKind.values)
        start.add_argument("--role", required=True, help="Market role code, e.g. M")
        for name, text in (
            ("status", "Each party's file and the totals."),
            ("resume", "Queue again every file of the run that is not generated."),
        ):
            action = actions.add_parser(name, help=text)
            action.add_argument("run_id", type=int)

    def handle(self, *args, action, **options):
        if action == "start":
            try:
                run = migration_run_start(kind=options["kind"], role_code=options["role"])
            except ExtractError as error:
                raise CommandError(str(error)) from error
            parties = count_noun(run.extracts.count(), "party", "parties")
            self.stdout.write(f"Migration run {run.pk} started: {parties}.")
            return
        run = MigrationRun.objects.filter(pk=options["run_id"]).first()
        if run is None:
            raise CommandError(f"There is no migration run {options['run_id']}.")
        if action == "resume":
            queued = migration_run_resume(run=run)
            self.stdout.write(f"Migration run {run.pk}: {count_noun(queued, 'file')} queued again.")
            return
        for extract in migration_run_parties(run):
            collected = (
                f"collected {extract.first_collected_at:%d/%m/%Y %H:%M} "
                f"({extract.first_collected_channel})"
                if extract.first_collected_at
                else "not collected"
            )
            self.stdout.write(
                f"{extract.organisation.mpid}  {extract.get_status_display():<10} "
                f"{extract.row_count or 0:>10} rows  {extract.sha256[:16]}  {collected}"
            )
        totals = migration_run_totals(run)
        self.stdout.write(f"{totals.generated_text}, {totals.collected_text}.")
