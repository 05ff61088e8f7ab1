"""Reads for bulk search: the jobs a user may see, today's quota use, and the batch lookups.

A batch is looked up set-based: one query for the metering points of up to a few
thousand keys (MPAN cores on the primary key, postcode keys on registry_mp_postcode_idx,
serial keys on registry_meter_serial_idx) and one for their meters.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organisation, OrganisationApiKey, User
from bulk.models import BulkSearch
from core.replicas import read_alias
from registry.models import Meter, MeteringPoint
from search.parsing import SearchKind
from search.queries import lookups_counted_since, meters_in_order, uk_day_start


def bulk_searches_of(organisation_id: int | None) -> QuerySet[BulkSearch]:
    """An organisation's bulk searches, newest first; none without an organisation."""
    jobs = BulkSearch.objects.select_related("user", "api_key", "result")
    if organisation_id is None:
        return jobs.none()
    return jobs.filter(organisation_id=organisation_id).order_by("-created_at", "-id")


def bulk_search_get_for(
    *, user: User | None = None, api_key: OrganisationApiKey | None = None, pk: int
) -> BulkSearch:
    """One job of the caller's organisation; 404 for any other (service admins included:
    they see every result in the report archive and every job in the Django admin)."""
    organisation_id = api_key.organisation_id if api_key else getattr(user, "organisation_id", None)
    return get_object_or_404(bulk_searches_of(organisation_id), pk=pk)


def bulk_points_today(*, organisation: Organisation) -> int:
    """Metering points the organisation's bulk searches have returned today (UK day): its
    use of the daily bulk quota, from the search audit."""
    return lookups_counted_since(uk_day_start(), organisation_id=organisation.pk, bulk_only=True)


def _points(using: str) -> QuerySet[MeteringPoint]:
    points = MeteringPoint.objects.using(using)
    return points.prefetch_related(Prefetch("meters", meters_in_order()))


def metering_points_by_key(
    *, kind: SearchKind | str, keys: Sequence[str]
) -> dict[str, list[MeteringPoint]]:
    """The metering points each key finds, in the order a single search lists them;
    keys that find nothing are absent."""
    kind = SearchKind(kind)
    using = read_alias()  # a streaming replica when there is one (core/replicas.py)
    unique = sorted(set(keys))
    found: dict[str, list[MeteringPoint]] = defaultdict(list)
    if not unique:
        return found
    if kind is SearchKind.MPAN:
        for point in _points(using).filter(pk__in=unique):
            found[point.mpan_core].append(point)
    elif kind is SearchKind.POSTCODE:
        points = _points(using).filter(postcode_key__in=unique)
        for point in points.order_by("postcode_key", "address_sort_key", "mpan_core"):
            found[point.postcode_key].append(point)
    else:
        cores_by_serial: dict[str, set[str]] = defaultdict(set)
        meters = Meter.objects.using(using).filter(serial_key__in=unique)
        for serial_key, core in meters.values_list("serial_key", "metering_point_id"):
            cores_by_serial[serial_key].add(core)
        cores = {core for cores in cores_by_serial.values() for core in cores}
        points = {p.mpan_core: p for p in _points(using).filter(pk__in=sorted(cores))}
        for serial_key, serial_cores in cores_by_serial.items():
            found[serial_key] = [points[core] for core in sorted(serial_cores) if core in points]
    return found
