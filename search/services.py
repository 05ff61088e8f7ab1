"""Writes for search: the audit record and the daily caps."""

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from accounts.models import OrganisationApiKey, User
from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchQuery
from search.partitions import partitions_maintain
from search.queries import lookups_today_count, uk_day_start


class DailyCapReached(Exception):
    """The user or the API key has made today's allowed number of lookups."""


# A day's counter outlives the UK day it counts (23 to 25 hours) by a margin.
_COUNTER_SECONDS = 27 * 3600


def _counter_key(*, user: User | None, api_key: OrganisationApiKey | None) -> str:
    subject = f"key:{api_key.prefix}" if api_key is not None else f"user:{user.pk}"
    return f"search:lookups:{subject}:{uk_day_start().date().isoformat()}"


def lookups_today(*, user: User | None, api_key: OrganisationApiKey | None = None) -> int:
    """Today's lookups of a user or an API key, for the daily caps.

    The audit rows are the record; counting them at every lookup read one index entry
    per lookup made today (10,000 for a key at its cap). So the count is kept in the
    cache, seeded from the audit rows when missing (a new day, a restarted or flushed
    Redis) and incremented by `search_event_record`. While Redis is unreachable every
    check counts the rows again, so the caps still hold. Lookups racing with the seeding
    can be missed by the counter, a handful at most; a new day starts a new counter.
    """
    key = _counter_key(user=user, api_key=api_key)
    count = cache.get(key)
    if count is None:
        count = lookups_today_count(user=user, api_key=api_key)
        if not cache.add(key, count, _COUNTER_SECONDS):
            count = cache.get(key, count)
    return count


def _counter_increment(*, user: User | None, api_key: OrganisationApiKey | None) -> None:
    # No counter (not checked yet today, or Redis away): the next check seeds it.
    with contextlib.suppress(ValueError):
        cache.incr(_counter_key(user=user, api_key=api_key))


def lookup_allowance_check(*, user: User | None, api_key: OrganisationApiKey | None = None) -> None:
    """Raise DailyCapReached when one more lookup would exceed today's cap.

    Searches, detail views and exports all count: the detail page is where the data is,
    so a cap on searches alone would not stop scraping. The day is the UK calendar day.
    """
    if api_key is not None:
        cap = settings.SEARCH_API_KEY_DAILY_CAP
        if lookups_today(user=None, api_key=api_key) >= cap:
            raise DailyCapReached(
                f"The API key “{api_key.name}” has reached its daily quota of {cap:,} "
                "lookups. It works again from midnight, UK time."
            )
        return
    cap = settings.SEARCH_DAILY_CAP
    if lookups_today(user=user) >= cap:
        raise DailyCapReached(
            f"You have reached your daily limit of {cap:,} lookups (searches, detail views "
            "and exports). You can search again from midnight, UK time. If you need more, "
            "ask your organisation admin for an API key or use a bulk search."
        )


def search_event_record(
    *,
    user: User | None,
    api_key: OrganisationApiKey | None = None,
    action: SearchAction,
    channel: SearchChannel,
    query: SearchQuery,
    result_count: int,
    ip_address: str | None,
) -> SearchEvent:
    """Append one lookup to the audit trail (and count it for the daily caps)."""
    user = user if user is not None and user.is_authenticated else None
    organisation_id = api_key.organisation_id if api_key else getattr(user, "organisation_id", None)
    event = SearchEvent(
        user=user,
        organisation_id=organisation_id,
        api_key=api_key,
        action=action,
        channel=channel,
        kind=query.kind.value,
        query=query.display[:120],
        result_count=result_count,
        ip_address=ip_address or None,
    )
    if (
        connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    ):
        _insert_without_waiting_for_the_flush(event)
    else:
        event.save(force_insert=True)
    if user is not None or api_key is not None:
        _counter_increment(user=user, api_key=api_key)
    return event


def _insert_without_waiting_for_the_flush(event: SearchEvent) -> None:
    """Insert the row in one statement that commits without waiting for its WAL flush.

    Every lookup writes one row, and waiting for the flush was the largest part of a
    lookup's time. A database crash may lose the last fraction of a second of audit
    rows (never a half row, never out of order); the lookups change nothing else.
    `set_config(..., true)` is `SET LOCAL`: it lasts until the end of this statement's
    own transaction, so nothing else on the connection commits asynchronously (hence
    only in autocommit, outside any atomic block).
    """
    fields = [field for field in SearchEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(f"%s::{field.db_type(connection)}" for field in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(SearchEvent._meta.db_table)} ({columns})"  # noqa: S608 - names from the model
        f" SELECT {values} FROM (SELECT set_config('synchronous_commit', 'off', true)) AS c"
        " RETURNING id"
    )
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def search_event_partitions_maintain() -> list[tuple[str, str]]:
    """Make the search audit's month partitions ahead of time and drop the months older
    than `SEARCH_EVENT_RETENTION_MONTHS` (PostgreSQL; search/partitions.py). Safe to run
    any number of times; returns what it did, as (action, partition)."""
    return partitions_maintain(
        retention_months=settings.SEARCH_EVENT_RETENTION_MONTHS,
        months_ahead=settings.SEARCH_EVENT_MONTHS_AHEAD,
    )
