"""Apply a parsed D0312 or D0386 to the registry (D0204 is in registry/refresh.py).

Each function runs inside the single transaction that `flow_file_process` opens, so
an error anywhere (including the trailer check after the last line) rolls back
everything the file did. Meter notifications and relationships are far smaller than
refreshes and go through the ORM in chunks, which keeps the record-level checks
(appointed MOP, known MPAN) readable.
"""

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Organisation
from registry.errors import FlowProblem
from registry.keys import serial_key
from registry.models import Meter, MeteringPoint, RelatedMpan
from registry.sender_rules import not_appointed_reason, relationship_cores_check

# Record-level rejections listed on the file; the count is always exact.
MAX_LISTED_PROBLEMS = 1000
CHUNK = 1000
STAGE_TABLE = "registry_stage"
_SQLITE_BATCH = 5000


# Told the outcome of each D0312 record: (MPAN core, meter serial, "accepted" or
# "rejected", reason); the D0312 processing report is written from these.
OutcomeSink = Callable[[str, str, str, str], None]


def _outcome_ignore(core: str, serial: str, outcome: str, reason: str) -> None:
    pass


@dataclass
class ApplyResult:
    accepted: int = 0
    rejected: int = 0
    problems: list[FlowProblem] = field(default_factory=list)
    distributor_id: str = ""  # a D0204's: its points' address words are refreshed after it

    def reject(self, problem: FlowProblem) -> None:
        self.rejected += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def related_indicator_refresh(*, mpan_cores: Iterable[str]) -> None:
    """Set the related-MPAN indicator of these points from the links that exist now."""
    for chunk in _chunks(sorted(set(mpan_cores))):
        linked = set(
            RelatedMpan.objects.filter(metering_point_id__in=chunk).values_list(
                "metering_point_id", flat=True
            )
        ) | set(
            RelatedMpan.objects.filter(related_id__in=chunk).values_list("related_id", flat=True)
        )
        MeteringPoint.objects.filter(pk__in=linked, has_related_mpans=False).update(
            has_related_mpans=True
        )
        MeteringPoint.objects.filter(pk__in=set(chunk) - linked, has_related_mpans=True).update(
            has_related_mpans=False
        )


# --- D0312: meter information from the MOP ------------------------------------------------


def _meter_chunk_apply(
    points: list, *, sender: Organisation, result: ApplyResult, now, outcome: OutcomeSink
) -> None:
    cores = {point.items["mpan_core"] for point in points}
    appointed = dict(
        MeteringPoint.objects.filter(pk__in=cores).values_list("mpan_core", "mop_mpid")
    )
    accepted = []
    # A meter cannot have been installed after tomorrow (a day of slack for time zones
    # and files written just before midnight).
    latest_installation = timezone.localdate(now) + timedelta(days=1)
    for point in points:
        core = point.items["mpan_core"]
        ahead = [
            child
            for child in point.children
            if (child.items.get("installation_date") or date.min) > latest_installation
        ]
        if appointed.get(core) != sender.mpid:
            # Unknown, another MOP's or nobody's: one answer, so that a file of guesses
            # learns nothing the sender could not look up.
            reason = not_appointed_reason(core)
        elif ahead:
            meter = ahead[0].items
            reason = (
                f"meter {meter['meter_serial']} of {core} has an installation date in the "
                f"future ({meter['installation_date']:%d/%m/%Y}): send the date it was "
                "installed"
            )
        else:
            accepted.append(point)
            for child in point.children:
                outcome(core, child.items["meter_serial"], "accepted", "")
            continue
        result.reject(
            FlowProblem(reason, line=point.line_no, group=point.group_id, item="mpan_core")
        )
        for child in point.children:
            outcome(core, child.items["meter_serial"], "rejected", reason)
    if not accepted:
        return
    accepted_cores = {point.items["mpan_core"] for point in accepted}
    existing: dict[tuple[str, str], Meter] = {}
    for meter in Meter.objects.filter(metering_point_id__in=accepted_cores):
        existing.setdefault((meter.metering_point_id, meter.serial_key), meter)
    changed: dict[int, Meter] = {}
    new: dict[tuple[str, str], Meter] = {}
    for point in accepted:
        core = point.items["mpan_core"]
        for child in point.children:
            items = child.items
            key = (core, serial_key(items["meter_serial"]))
            meter = existing.get(key) or new.get(key)
            if meter is None:
                meter = new[key] = Meter(metering_point_id=core, serial_key=key[1])
            meter.serial = items["meter_serial"]
            meter.meter_type = items["meter_type"]
            meter.installation_date = items.get("installation_date")
            meter.removal_date = items.get("removal_date")
            meter.map_mpid = items.get("map_mpid") or ""
            if meter.pk:
                changed[meter.pk] = meter
    Meter.objects.bulk_update(
        changed.values(),
        ["serial", "meter_type", "installation_date", "removal_date", "map_mpid"],
        batch_size=CHUNK,
    )
    Meter.objects.bulk_create(new.values(), batch_size=CHUNK)
    MeteringPoint.objects.filter(pk__in=accepted_cores).update(updated_at=now)
    result.accepted += len(accepted)


def meter_information_apply(
    instances: Iterable, *, sender: Organisation, outcome: OutcomeSink = _outcome_ignore
) -> ApplyResult:
    """D0312: per metering point, only the appointed MOP's meters are taken; a meter
    is matched on its serial key (so a spacing variant updates, not duplicates).
    `outcome` is told the outcome of every meter record, in file order."""
    result = ApplyResult()
    now = timezone.now()
    chunk = []
    for instance in instances:
        chunk.append(instance)
        if len(chunk) >= CHUNK:
            _meter_chunk_apply(chunk, sender=sender, result=result, now=now, outcome=outcome)
            chunk = []
    if chunk:
        _meter_chunk_apply(chunk, sender=sender, result=result, now=now, outcome=outcome)
    return result


# --- D0386: related MPANs -------------------------------------------------------------------


def _relationship_apply(
    link,
    *,
    result: ApplyResult,
    touched: set[str],
    sender_mpid: str,
    distributor_ids: Collection[str],
) -> None:
    items = link.items
    primary, related = items["primary_mpan_core"], items["related_mpan_core"]
    # Another distributor's point anywhere rejects the whole file (the transaction of
    # flow_file_process rolls back what earlier links did).
    relationship_cores_check(link, sender_mpid=sender_mpid, distributor_ids=distributor_ids)

    def reject(reason: str, item: str) -> None:
        result.reject(FlowProblem(reason, line=link.line_no, group=link.group_id, item=item))

    if primary == related:
        return reject(f"MPAN core {primary} cannot be related to itself", "related_mpan_core")
    known = set(
        MeteringPoint.objects.filter(pk__in=[primary, related]).values_list("pk", flat=True)
    )
    for core, item in ((primary, "primary_mpan_core"), (related, "related_mpan_core")):
        if core not in known:
            return reject(f"MPAN core {core} is not in the registry", item)
    either_way = RelatedMpan.objects.filter(
        metering_point_id=primary, related_id=related
    ) | RelatedMpan.objects.filter(metering_point_id=related, related_id=primary)
    if items["action"] == "A":
        if not either_way.update(effective_date=items["effective_date"]):
            RelatedMpan.objects.create(
                metering_point_id=primary,
                related_id=related,
                effective_date=items["effective_date"],
            )
    elif not either_way.delete()[0]:
        return reject(f"MPAN cores {primary} and {related} are not related", "related_mpan_core")
    touched.update((primary, related))
    result.accepted += 1
    return None


def relationships_apply(
    instances: Iterable, *, sender_mpid: str, distributor_ids: Collection[str]
) -> ApplyResult:
    """D0386: add or remove links between the sending distributor's metering points
    (its `distributor_ids`), in file order, then set the related-MPAN indicator of every
    point the file touched. A link naming another distributor's point: FlowRejected."""
    result = ApplyResult()
    touched: set[str] = set()
    for link in instances:
        _relationship_apply(
            link,
            result=result,
            touched=touched,
            sender_mpid=sender_mpid,
            distributor_ids=distributor_ids,
        )
    if touched:
        related_indicator_refresh(mpan_cores=touched)
    return result
