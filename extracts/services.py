"""Writes of extracts: request, generate, subscribe, migration runs, SSH keys, collection."""

import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncssh
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AccountEventKind, Organisation, User
from accounts.roles import MarketRole
from accounts.services import account_event_record
from extracts.kinds import FILE_SUFFIXES, KIND_ROLES, REPORT_KINDS, ExtractKind, ExtractTrigger
from extracts.models import (
    Extract,
    ExtractDisclosure,
    ExtractStatus,
    MigrationRun,
    PortfolioSubscription,
    SshPublicKey,
)
from extracts.writers import meter_technical_details_write, portfolio_write
from reports.models import Report, ReportDownload
from reports.services import DigestingWriter, report_store
from service_status import services as service_status

logger = logging.getLogger(__name__)

MIGRATION_BROADCAST_TEXT = (
    "All migration files have been generated and placed in parties' SFTP folders."
)


class ExtractError(Exception):
    """An extract that cannot be requested or made; the message is for the user."""


def _uk_day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _check_kind_for(organisation: Organisation, kind: str) -> ExtractKind:
    try:
        kind = ExtractKind(kind)
    except ValueError:
        raise ExtractError(f"There is no extract called {kind!r}.") from None
    roles = KIND_ROLES[kind]
    if roles is not None and not roles.intersection(organisation.role_codes):
        raise ExtractError(
            f"{kind.label} are made only for organisations holding the role "
            f"{', '.join(sorted(roles))}; {organisation.mpid} does not."
        )
    return kind


def _queue(extract: Extract) -> None:
    from extracts.tasks import extract_generate

    transaction.on_commit(lambda: extract_generate.delay(extract.pk))


# --- On demand and weekly -------------------------------------------------------------------


def extract_request(*, user: User, kind: str = ExtractKind.PORTFOLIO) -> Extract:
    """An organisation admin asks for the organisation's file now (at most
    EXTRACT_ON_DEMAND_PER_DAY a UK day, counted with the organisation row locked)."""
    if not user.is_organisation_admin or user.organisation_id is None:
        raise ExtractError("Only an organisation admin can request an extract.")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=user.organisation_id)
        if not organisation.is_active:
            raise ExtractError(f"{organisation.mpid} is not an active organisation.")
        kind = _check_kind_for(organisation, kind)
        now = timezone.now()
        today = Extract.objects.filter(
            organisation=organisation,
            kind=kind,
            trigger=ExtractTrigger.ON_DEMAND,
            requested_at__gte=_uk_day_start(now),
        ).count()
        limit = settings.EXTRACT_ON_DEMAND_PER_DAY
        if today >= limit:
            raise ExtractError(
                f"Your organisation has already requested {limit} {kind.label.lower()} "
                f"file{'s' if limit != 1 else ''} today; you can request another tomorrow, "
                "or subscribe to the weekly one."
            )
        extract = Extract.objects.create(
            organisation=organisation,
            kind=kind,
            trigger=ExtractTrigger.ON_DEMAND,
            requested_by=user,
            requested_at=now,
        )
        _queue(extract)
    return extract


def portfolio_subscription_set(*, user: User, subscribed: bool) -> PortfolioSubscription | None:
    if not user.is_organisation_admin or user.organisation_id is None:
        raise ExtractError("Only an organisation admin can change the weekly subscription.")
    with transaction.atomic():
        existing = PortfolioSubscription.objects.filter(
            organisation_id=user.organisation_id
        ).first()
        if subscribed:
            return existing or PortfolioSubscription.objects.create(
                organisation_id=user.organisation_id, subscribed_by=user
            )
        if existing is not None:
            existing.delete()
    return None


def iso_week(moment: datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def extracts_weekly_queue(*, now: datetime | None = None) -> int:
    """The beat's weekly job: one portfolio per subscribed active organisation per ISO
    week (a unique constraint makes a second run of the same week a no-op)."""
    now = now or timezone.now()
    week = iso_week(now)
    made = 0
    subscriptions = PortfolioSubscription.objects.filter(organisation__is_active=True)
    for subscription in subscriptions.select_related("organisation"):
        try:
            with transaction.atomic():
                extract = Extract.objects.create(
                    organisation=subscription.organisation,
                    kind=ExtractKind.PORTFOLIO,
                    trigger=ExtractTrigger.WEEKLY,
                    week=week,
                    requested_at=now,
                )
                _queue(extract)
        except IntegrityError:
            continue  # this week's file exists already
        made += 1
    return made


# --- Generation ---------------------------------------------------------------------------


def _claim(extract_id: int) -> tuple[Extract, uuid.UUID] | None:
    with transaction.atomic():
        extract = (
            Extract.objects.select_for_update()
            .select_related("organisation")
            .filter(pk=extract_id)
            .first()
        )
        if extract is None or extract.is_finished:
            return None
        token = uuid.uuid4()
        extract.status = ExtractStatus.RUNNING
        extract.run_token = token
        extract.attempts += 1
        extract.started_at = timezone.now()
        extract.save(update_fields=["status", "run_token", "attempts", "started_at"])
    return extract, token


def _title(extract: Extract, created: datetime) -> str:
    local = timezone.localtime(created)
    return f"{ExtractKind(extract.kind).label} for {extract.organisation.mpid} on {local:%d/%m/%Y}"


def extract_generate(*, extract_id: int) -> Extract | None:
    """Make the extract's file; safe to run twice and after a worker died mid-file.

    A finished extract is left alone. Each attempt claims the extract with a new token
    and writes to a local temporary file (nothing is visible yet); then ONE transaction
    checks the token is still its own, archives the report, marks the extract done and
    appends the disclosure. An attempt that lost its claim throws its file away, so a
    party never gets two files from one extract.
    """
    claimed = _claim(extract_id)
    if claimed is None:
        return None
    extract, token = claimed
    created = timezone.now()
    try:
        with tempfile.TemporaryFile() as spool:
            out = DigestingWriter(spool)
            if extract.kind == ExtractKind.PORTFOLIO:
                rows = portfolio_write(extract.organisation, out)
            else:
                rows = meter_technical_details_write(
                    extract.organisation, out, file_id=f"MT{extract.pk:08d}", created=created
                )
            with transaction.atomic():
                current = Extract.objects.select_for_update().get(pk=extract.pk)
                if current.run_token != token or current.status != ExtractStatus.RUNNING:
                    logger.info("Extract %s was claimed again; this attempt stops", extract.pk)
                    return None
                report = report_store(
                    organisation=extract.organisation,
                    kind=REPORT_KINDS[ExtractKind(extract.kind)],
                    title=_title(extract, created),
                    spool=spool,
                    size=out.size,
                    sha256=out.digest.hexdigest(),
                    row_count=rows,
                    file_suffix=FILE_SUFFIXES[ExtractKind(extract.kind)],
                    created_by=extract.requested_by,
                )
                current.status = ExtractStatus.DONE
                current.report = report
                current.generated_at = report.created_at
                current.row_count = rows
                current.size = report.size
                current.sha256 = report.sha256
                current.save(
                    update_fields=[
                        "status",
                        "report",
                        "generated_at",
                        "row_count",
                        "size",
                        "sha256",
                    ]
                )
                ExtractDisclosure.objects.create(
                    extract=current,
                    organisation_id=current.organisation_id,
                    kind=current.kind,
                    trigger=current.trigger,
                    requested_by=current.requested_by,
                    row_count=rows,
                    sha256=report.sha256,
                )
    except Exception as error:
        logger.exception("Extract %s failed", extract.pk)
        Extract.objects.filter(pk=extract.pk, run_token=token).update(
            status=ExtractStatus.FAILED,
            failure_reason=f"The file could not be made ({type(error).__name__}); "
            "the service desk has the details.",
        )
        raise
    logger.info("Extract %s done: %s rows, %s bytes", extract.pk, rows, current.size)
    return current


# --- Collection -----------------------------------------------------------------------------


def extract_collected_mark(*, report: Report, download: ReportDownload) -> None:
    """The first download of an extract's file (web, API or SFTP) marks it collected."""
    Extract.objects.filter(report=report, first_collected_at__isnull=True).update(
        first_collected_at=download.downloaded_at,
        first_collected_by=download.user,
        first_collected_channel=download.channel,
    )


# --- Migration runs -------------------------------------------------------------------------


def migration_run_start(*, kind: str, role_code: str, actor: User | None = None) -> MigrationRun:
    """One extract per active organisation holding the role, each generated in parallel
    by the workers (one task each, queued when the run commits)."""
    if actor is not None and not actor.is_service_admin:
        raise ExtractError("Only a service admin can start a migration run.")
    try:
        role = MarketRole(role_code)
    except ValueError:
        raise ExtractError(
            f"{role_code!r} is not a market role code (known: {', '.join(MarketRole.values)})."
        ) from None
    try:
        kind = ExtractKind(kind)
    except ValueError:
        raise ExtractError(
            f"There is no extract called {kind!r} (known: {', '.join(ExtractKind.values)})."
        ) from None
    allowed = KIND_ROLES[kind]
    if allowed is not None and role not in allowed:
        raise ExtractError(f"{kind.label} are made only for role {', '.join(sorted(allowed))}.")
    parties = [
        organisation
        for organisation in Organisation.objects.filter(is_active=True).order_by("mpid")
        if role in organisation.role_codes
    ]
    if not parties:
        raise ExtractError(f"No active organisation holds the role {role} ({role.label}).")
    with transaction.atomic():
        run = MigrationRun.objects.create(kind=kind, role_code=role, created_by=actor)
        for organisation in parties:
            extract = Extract.objects.create(
                organisation=organisation,
                kind=kind,
                trigger=ExtractTrigger.MIGRATION_RUN,
                run=run,
                requested_by=actor,
            )
            _queue(extract)
    logger.info("Migration run %s started: %s for %s parties", run.pk, kind, len(parties))
    return run


def migration_run_resume(*, run: MigrationRun, stalled_after: timedelta | None = None) -> int:
    """Queue again every file of the run that is not generated: queued ones, failed ones,
    and running ones whose worker has been silent for `stalled_after` (default: any).
    A worker that was only slow loses its claim and throws its file away."""
    cutoff = timezone.now() - (stalled_after or timedelta(0))
    queued = 0
    for extract in run.extracts.exclude(status=ExtractStatus.DONE):
        running = extract.status == ExtractStatus.RUNNING
        if running and extract.started_at and extract.started_at > cutoff:
            continue
        if extract.status == ExtractStatus.FAILED:
            Extract.objects.filter(pk=extract.pk, status=ExtractStatus.FAILED).update(
                status=ExtractStatus.QUEUED, failure_reason=""
            )
        _queue(extract)
        queued += 1
    return queued


def migration_run_broadcast(*, run: MigrationRun, actor: User) -> None:
    """Post the update on the latest active broadcast (or a new one) and stamp the run."""
    from service_status.models import Broadcast

    if not actor.is_service_admin:
        raise ExtractError("Only a service admin can post the broadcast.")
    with transaction.atomic():
        run = MigrationRun.objects.select_for_update().get(pk=run.pk)
        if run.broadcast_posted_at is not None:
            raise ExtractError("The broadcast for this run has already been posted.")
        pending = run.extracts.exclude(status=ExtractStatus.DONE).count()
        if pending:
            raise ExtractError(
                f"{pending} file{'s are' if pending != 1 else ' is'} not generated yet: "
                "post the broadcast when every party's file is in place."
            )
        now = timezone.now()
        broadcast = (
            Broadcast.objects.filter(active_from__lte=now)
            .exclude(active_until__lte=now)
            .order_by("-active_from", "-id")
            .first()
        )
        if broadcast is None:
            broadcast = service_status.broadcast_create(
                title="Migration files",
                body=MIGRATION_BROADCAST_TEXT,
                reason=f"Migration run {run.pk}: every party's file is generated",
                actor=actor,
            )
        service_status.broadcast_update_post(
            broadcast=broadcast, text=MIGRATION_BROADCAST_TEXT, actor=actor
        )
        run.broadcast_posted_at = now
        run.broadcast_posted_by = actor
        run.save(update_fields=["broadcast_posted_at", "broadcast_posted_by"])


# --- SSH keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedKey:
    algorithm: str
    public_key: str
    fingerprint: str


def ssh_key_parse(text: str) -> ParsedKey:
    """An OpenSSH public key line, checked by asyncssh; private keys are refused."""
    text = text.strip()
    if "PRIVATE KEY" in text:
        raise ExtractError(
            "That is a private key: keep it secret. Paste the public key (the .pub file)."
        )
    try:
        key = asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError, TypeError):
        raise ExtractError(
            "That is not an SSH public key. Paste one line such as 'ssh-ed25519 AAAA... "
            "name@host' (the contents of your .pub file)."
        ) from None
    if key.algorithm.decode() == "ssh-rsa" and key.pyca_key.key_size < 3072:
        raise ExtractError("RSA keys must be at least 3072 bits; an Ed25519 key is better.")
    public = key.export_public_key("openssh").decode().split()
    return ParsedKey(
        algorithm=key.algorithm.decode(),
        public_key=f"{public[0]} {public[1]}",
        fingerprint=key.get_fingerprint("sha256"),
    )


def ssh_key_add(*, user: User, name: str, text: str, ip_address: str | None = None) -> SshPublicKey:
    """A user registers their own key (never someone else's)."""
    if user.organisation_id is None:
        raise ExtractError("Only a member of an organisation can register an SSH key.")
    name = name.strip()
    if not name:
        raise ExtractError("Give the key a name, e.g. the machine it is on.")
    parsed = ssh_key_parse(text)
    try:
        with transaction.atomic():
            key = SshPublicKey.objects.create(
                user=user,
                organisation_id=user.organisation_id,
                name=name[:100],
                algorithm=parsed.algorithm,
                public_key=parsed.public_key,
                fingerprint=parsed.fingerprint,
            )
            account_event_record(
                kind=AccountEventKind.SSH_KEY_ADDED,
                actor=user,
                subject=user,
                ip_address=ip_address,
                detail=f"{key.name}: {key.fingerprint}",
            )
    except IntegrityError:
        raise ExtractError("That key is already registered.") from None
    return key


def ssh_key_remove(*, actor: User, key: SshPublicKey, ip_address: str | None = None) -> None:
    """The key's owner, or an admin of its organisation, removes it for good."""
    own = key.user_id == actor.pk
    admin = actor.is_organisation_admin and actor.organisation_id == key.organisation_id
    if not (own or admin or actor.is_service_admin):
        raise ExtractError("You can remove only your own keys, or your organisation's.")
    with transaction.atomic():
        removed = SshPublicKey.objects.filter(pk=key.pk, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=actor
        )
        if removed:
            account_event_record(
                kind=AccountEventKind.SSH_KEY_REMOVED,
                actor=actor,
                subject=key.user,
                organisation=key.organisation,
                ip_address=ip_address,
                detail=f"{key.name}: {key.fingerprint}",
            )
