"""Which party may write which registry data through a flow: the rules, once.

A party changes only the data it is responsible for. Every entry point (upload page,
API, inbox, `ingest_flow`, a service admin sending on a party's behalf) reaches these
rules through `registry.services.flow_file_process`; the D0204 applier
(`registry/refresh.py`, both its paths) and the D0386 applier call them record by record.

- D0204 (full or selective): R01 must name the sending organisation's own distributor
  id, and every MPAN core must start with it (`refresh.py` checks the cores against
  R01 in the parser, so both hold for every core).
- D0386: both MPAN cores of every link must be the sending distributor's.
- D0312: a record is taken only from the point's appointed MOP; every other record
  gets the one answer `not_appointed_reason`, whether the point exists or not, so a
  file of guesses tells the sender nothing it could not look up.

A distributor's own ids: a DNO's comes from its MPID (`dtc.codes.DISTRIBUTORS`, the
fourteen areas); an IDNO's from the setting IDNO_DISTRIBUTORS (distributor id ->
MPID), since the project holds no table of IDNO MPIDs.
"""

from collections.abc import Collection

from django.conf import settings

from accounts.models import Organisation
from dtc.codes import DISTRIBUTORS
from registry.errors import FlowRejected

_DNO_IDS_BY_MPID = {d.mpid: distributor_id for distributor_id, d in DISTRIBUTORS.items()}


def distributor_ids_of(organisation: Organisation) -> frozenset[str]:
    """The distributor ids (first two digits of an MPAN core) whose points this
    organisation's MPAS is responsible for; empty for any non-distributor."""
    if "R" not in organisation.role_codes:
        return frozenset()
    ids = {i for i, mpid in settings.IDNO_DISTRIBUTORS.items() if mpid == organisation.mpid}
    if dno := _DNO_IDS_BY_MPID.get(organisation.mpid):
        ids.add(dno)
    return frozenset(ids)


def _own(sender_mpid: str, distributor_ids: Collection[str]) -> str:
    if not distributor_ids:
        return f"{sender_mpid} is responsible for no distributor id"
    ids = " and ".join(sorted(distributor_ids))
    plural = "s" if len(distributor_ids) > 1 else ""
    return f"{sender_mpid} is responsible for distributor id{plural} {ids}"


def refresh_distributor_check(
    distributor_id: str, *, sender_mpid: str, distributor_ids: Collection[str], line_no: int
) -> None:
    """D0204: R01 must name one of the sender's own distributor ids."""
    if distributor_id not in distributor_ids:
        raise FlowRejected(
            f"a refresh may name only the sender's own distributor: R01 names {distributor_id},"
            f" but {_own(sender_mpid, distributor_ids)}; nothing was applied",
            line=line_no,
            group="R01",
            item="distributor_id",
        )


def relationship_cores_check(link, *, sender_mpid: str, distributor_ids: Collection[str]) -> None:
    """D0386: both points of a link must be the sending distributor's. Decided from the
    MPAN core alone (its first two digits are its distributor id), before the registry
    is read, so the answer says nothing about whether the point exists."""
    for item in ("primary_mpan_core", "related_mpan_core"):
        core = link.items[item]
        if core[:2] not in distributor_ids:
            raise FlowRejected(
                f"a D0386 may link only the sender's own metering points: MPAN core {core}"
                f" is distributor {core[:2]}'s, but {_own(sender_mpid, distributor_ids)};"
                " nothing was applied",
                line=link.line_no,
                group=link.group_id,
                item=item,
            )


def not_appointed_reason(core: str) -> str:
    """D0312: the one reason for a record the sender may not write. The same for a point
    appointed to another MOP, to none, or not in the registry; it names no other party."""
    return f"MPAN core {core}: not appointed to you"
