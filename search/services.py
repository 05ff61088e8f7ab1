"""Writes for search: the audit record and the daily caps."""

import functools
from collections.abc import Sequence
from enum import StrEnum

from django.conf import settings
from django.db import connection, connections

from accounts.models import OrganisationApiKey, User
from core.compiled import SqlStatement, prepared_cursor, rows_together
from core.counters import Counter, counters_take
from core.replicas import read_alias
from core.throttling import Window
from registry.models import MeteringPoint
from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchKind, SearchQuery
from search.partitions import partitions_maintain
from search.queries import (
    MeteringPointDetail,
    lookups_counted_since,
    metering_point_detail,
    metering_point_detail_calls,
    metering_point_detail_from,
    uk_day_start,
)


class DailyCapReached(Exception):
    """A daily cap (the user's, the API key's, the organisation's or its bulk quota)
    leaves no room for the lookup; the message says which and until when."""


class _Cap(StrEnum):
    USER = "user"
    API_KEY = "key"
    ORGANISATION = "organisation"
    BULK = "bulk"


def _caps(
    *, user: User | None, api_key: OrganisationApiKey | None, bulk: bool
) -> list[tuple[_Cap, Counter]]:
    """The caps one lookup counts against, with their counters for today (UK day).

    Every lookup counts against its user's or API key's cap and its organisation's cap
    over all its users and keys; a bulk search's points also against the organisation's
    bulk quota. Each counter is seeded from the audit rows (`SearchEvent.lookups`).
    """
    day_start = uk_day_start()
    day = day_start.date().isoformat()
    caps: list[tuple[_Cap, Counter]] = []
    if api_key is not None:
        caps.append(
            (
                _Cap.API_KEY,
                Counter(
                    f"caps:lookups:key:{api_key.pk}:{day}",
                    settings.SEARCH_API_KEY_DAILY_CAP,
                    lambda: lookups_counted_since(day_start, api_key=api_key),
                ),
            )
        )
        organisation_id = api_key.organisation_id
    else:
        caps.append(
            (
                _Cap.USER,
                Counter(
                    f"caps:lookups:user:{user.pk}:{day}",
                    settings.SEARCH_DAILY_CAP,
                    lambda: lookups_counted_since(day_start, user=user),
                ),
            )
        )
        organisation_id = user.organisation_id
    if organisation_id is not None:
        caps.append(
            (
                _Cap.ORGANISATION,
                Counter(
                    f"caps:lookups:org:{organisation_id}:{day}",
                    settings.SEARCH_ORGANISATION_DAILY_CAP,
                    lambda: lookups_counted_since(day_start, organisation_id=organisation_id),
                ),
            )
        )
        if bulk:
            caps.append(
                (
                    _Cap.BULK,
                    Counter(
                        f"caps:bulk:org:{organisation_id}:{day}",
                        settings.BULK_SEARCH_DAILY_POINTS,
                        lambda: lookups_counted_since(
                            day_start, organisation_id=organisation_id, bulk_only=True
                        ),
                    ),
                )
            )
    return caps


def _refusal(cap: _Cap, limit: int, *, api_key: OrganisationApiKey | None) -> str:
    again = "from midnight, UK time"
    if cap is _Cap.API_KEY:
        return (
            f"The API key “{api_key.name}” has reached its daily quota of {limit:,} "
            f"lookups. It works again {again}."
        )
    if cap is _Cap.USER:
        return (
            f"You have reached your daily limit of {limit:,} lookups (searches, detail "
            f"views, exports and bulk search results). You can search again {again}. If "
            "you need more, ask your organisation admin for an API key."
        )
    if cap is _Cap.ORGANISATION:
        return (
            f"Your organisation has reached its daily limit of {limit:,} lookups over all "
            f"its users and API keys. Lookups work again {again}."
        )
    return (
        f"Your organisation has reached its daily bulk search quota of {limit:,} metering "
        f"points. Bulk searches work again {again}."
    )


def lookups_take(
    *,
    user: User | None,
    api_key: OrganisationApiKey | None = None,
    wanted: int = 1,
    partial: bool = False,
    bulk: bool = False,
    windows: Sequence[Window] = (),
) -> int:
    """Check and count `wanted` lookups against every cap of the user or key, in one
    atomic step; answer how many were counted. Raise DailyCapReached when none can be
    (or, without `partial`, when not all can be). The caller then records the audit row
    with that number (`search_event_record(lookups=...)`) and discloses no more. The
    request's rate `windows`, deferred by the API's throttles, are checked and counted
    in the same step (WindowRefused when one refuses, with nothing counted).

    Searches, detail views, exports and bulk searches all count: the detail page is
    where the data is, so a cap on searches alone would not stop scraping. An export
    counts its rows, a bulk search the metering points it returns. The day is the UK
    calendar day.
    """
    caps = _caps(user=user, api_key=api_key, bulk=bulk)
    result = counters_take(
        [counter for _, counter in caps], wanted, partial=partial, windows=windows
    )
    if result.taken or not wanted:
        return result.taken
    for (cap, counter), used in zip(caps, result.used, strict=True):
        if used >= counter.cap:
            raise DailyCapReached(_refusal(cap, counter.cap, api_key=api_key))
    left = min(counter.cap - used for (_, counter), used in zip(caps, result.used, strict=True))
    raise DailyCapReached(
        f"This would disclose {wanted:,} metering points, more than the {left:,} lookups "
        "left today. Narrow the search, or try again from midnight, UK time."
    )


def lookup_allowance_check(
    *, user: User | None, api_key: OrganisationApiKey | None = None, bulk: bool = False
) -> None:
    """Raise DailyCapReached when any cap of the user or key is already reached (counts
    nothing): e.g. before a bulk search is accepted."""
    caps = _caps(user=user, api_key=api_key, bulk=bulk)
    result = counters_take([counter for _, counter in caps], 0)
    for (cap, counter), used in zip(caps, result.used, strict=True):
        if used >= counter.cap:
            raise DailyCapReached(_refusal(cap, counter.cap, api_key=api_key))


def lookups_left_today(*, user: User) -> int:
    """How many more lookups the user may make today (shown beside the search box): the
    least room left under any of the user's caps. Counts nothing."""
    caps = _caps(user=user, api_key=None, bulk=False)
    result = counters_take([counter for _, counter in caps], 0)
    room = (counter.cap - used for (_, counter), used in zip(caps, result.used, strict=True))
    return max(min(room), 0)


def search_event_record(
    *,
    user: User | None,
    api_key: OrganisationApiKey | None = None,
    action: SearchAction,
    channel: SearchChannel,
    query: SearchQuery,
    result_count: int,
    ip_address: str | None,
    lookups: int = 1,
) -> SearchEvent:
    """Append one lookup to the audit trail, with the number of lookups it counted
    against the caps (`lookups_take`, called before the data is read)."""
    event = _event(
        user=user,
        api_key=api_key,
        action=action,
        channel=channel,
        query=query,
        result_count=result_count,
        ip_address=ip_address,
        lookups=lookups,
    )
    if _may_commit_without_waiting():
        fields, sql = _audit_insert(connection.alias)
        with prepared_cursor(connection.alias) as cursor:
            cursor.execute(sql, _audit_params(event, fields))
            _inserted(event, cursor.fetchone()[0])
    else:
        event.save(force_insert=True)
    return event


def metering_point_detail_recorded(
    mpan_core: str,
    *,
    user: User | None,
    api_key: OrganisationApiKey | None = None,
    channel: SearchChannel,
    ip_address: str | None,
) -> MeteringPointDetail | None:
    """One point's detail (search.queries.metering_point_detail) with its audit row
    appended: a detail lookup whose result count is 1 when the point exists, else 0.
    Call it once the lookup is counted against the caps (`lookups_take`).

    Where the detail is read from the primary in autocommit (PostgreSQL, no replica in
    use), the audit row is inserted in the same round trip as the three reads, counting
    the point itself (a `count(*)` of the core inside the INSERT): one round trip instead
    of two for the commonest lookup (docs/performance.md). Either failing raises, and
    nothing is shown. Elsewhere: the read, then `search_event_record`."""
    query = SearchQuery(SearchKind.MPAN, mpan_core)
    using = read_alias()
    if using != connection.alias or not _may_commit_without_waiting():
        detail = metering_point_detail(mpan_core)
        search_event_record(
            user=user,
            api_key=api_key,
            action=SearchAction.DETAIL,
            channel=channel,
            query=query,
            result_count=int(detail is not None),
            ip_address=ip_address,
        )
        return detail
    event = _event(
        user=user,
        api_key=api_key,
        action=SearchAction.DETAIL,
        channel=channel,
        query=query,
        result_count=0,  # counted by the statement
        ip_address=ip_address,
        lookups=1,
    )
    fields, _ = _audit_insert(using)
    params = _audit_params(event, fields, counting=mpan_core)
    *reads, inserted = rows_together(
        *metering_point_detail_calls(mpan_core), (_AUDIT_COUNTING_THE_POINT, params), using=using
    )
    detail = metering_point_detail_from(mpan_core, reads, using)
    event.result_count = int(detail is not None)
    _inserted(event, inserted[0][0])
    return detail


def _event(
    *,
    user: User | None,
    api_key: OrganisationApiKey | None,
    action: SearchAction,
    channel: SearchChannel,
    query: SearchQuery,
    result_count: int,
    ip_address: str | None,
    lookups: int,
) -> SearchEvent:
    user = user if user is not None and user.is_authenticated else None
    organisation_id = api_key.organisation_id if api_key else getattr(user, "organisation_id", None)
    return SearchEvent(
        user=user,
        organisation_id=organisation_id,
        api_key=api_key,
        action=action,
        channel=channel,
        kind=query.kind.value,
        query=query.display[:120],
        result_count=result_count,
        ip_address=ip_address or None,
        lookups=lookups,
    )


def _may_commit_without_waiting() -> bool:
    """Whether the audit row may be inserted in one statement that commits without
    waiting for its WAL flush (`_audit_insert`): on PostgreSQL, in autocommit, outside
    any atomic block."""
    return (
        connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    )


def _audit_params(event: SearchEvent, fields: list, *, counting: str | None = None) -> list:
    """The INSERT's parameters; with `counting`, the result count's is the MPAN core whose
    point the statement counts (`_AUDIT_COUNTING_THE_POINT`)."""
    return [
        counting
        if counting is not None and field.name == "result_count"
        else field.get_db_prep_save(getattr(event, field.attname), connection)
        for field in fields
    ]


def _inserted(event: SearchEvent, pk: int) -> None:
    event.pk = pk
    event._state.adding = False
    event._state.db = connection.alias


@functools.cache
def _audit_insert(alias: str, *, counting_the_point: bool = False) -> tuple[list, str]:
    """The audit row's fields and INSERT, made once per process (and prepared by each
    connection, core/compiled.py). The row commits without waiting for its WAL flush:
    every lookup writes one, and waiting for the flush was the largest part of a
    lookup's time. A database crash may lose the last fraction of a second of audit rows
    (never a half row, never out of order); the lookups change nothing else.
    `set_config(..., true)` is `SET LOCAL`: it lasts until the end of the statement's own
    transaction, so nothing else on the connection commits asynchronously (hence only in
    autocommit, outside any atomic block).

    With `counting_the_point`, the result count is not a parameter but the number of
    metering points with the MPAN core given in its place (0 or 1)."""
    db = connections[alias]
    fields = [field for field in SearchEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    points = db.ops.quote_name(MeteringPoint._meta.db_table)
    core = db.ops.quote_name(MeteringPoint._meta.pk.column)
    core_type = MeteringPoint._meta.pk.db_type(db)
    values = ", ".join(
        f"(SELECT count(*) FROM {points} WHERE {core} = %s::{core_type})::{field.db_type(db)}"  # noqa: S608 - names from the models
        if counting_the_point and field.name == "result_count"
        else f"%s::{field.db_type(db)}"
        for field in fields
    )
    sql = (
        f"INSERT INTO {db.ops.quote_name(SearchEvent._meta.db_table)} ({columns})"  # noqa: S608 - names from the model
        f" SELECT {values} FROM (SELECT set_config('synchronous_commit', 'off', true)) AS c"
        " RETURNING id"
    )
    return fields, sql


_AUDIT_COUNTING_THE_POINT = SqlStatement(
    lambda alias: _audit_insert(alias, counting_the_point=True)[1]
)


def search_event_partitions_maintain() -> list[tuple[str, str]]:
    """Make the search audit's month partitions ahead of time and drop the months older
    than `SEARCH_EVENT_RETENTION_MONTHS` (PostgreSQL; search/partitions.py). Safe to run
    any number of times; returns what it did, as (action, partition)."""
    return partitions_maintain(
        retention_months=settings.SEARCH_EVENT_RETENTION_MONTHS,
        months_ahead=settings.SEARCH_EVENT_MONTHS_AHEAD,
    )
