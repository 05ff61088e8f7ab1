"""Writes for search: the audit record, the daily caps, API keys."""

from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organisation, User
from search.models import OrganisationApiKey, SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchQuery
from search.queries import lookups_today_count


class DailyCapReached(Exception):
    """The user or the API key has made today's allowed number of lookups."""


class ApiKeyError(Exception):
    """An API key cannot be created or revoked; the message says why."""


def lookup_allowance_check(*, user: User | None, api_key: OrganisationApiKey | None = None) -> None:
    """Raise DailyCapReached when one more lookup would exceed today's cap.

    Searches, detail views and exports all count: the detail page is where the data is,
    so a cap on searches alone would not stop scraping. The day is the UK calendar day.
    """
    if api_key is not None:
        cap = settings.SEARCH_API_KEY_DAILY_CAP
        if lookups_today_count(api_key=api_key) >= cap:
            raise DailyCapReached(
                f"The API key “{api_key.name}” has reached its daily quota of {cap:,} "
                "lookups. It works again from midnight, UK time."
            )
        return
    cap = settings.SEARCH_DAILY_CAP
    if lookups_today_count(user=user) >= cap:
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
    """Append one lookup to the audit trail."""
    organisation_id = api_key.organisation_id if api_key else getattr(user, "organisation_id", None)
    create = partial(
        SearchEvent.objects.create,
        user=user if user is not None and user.is_authenticated else None,
        organisation_id=organisation_id,
        api_key=api_key,
        action=action,
        channel=channel,
        kind=query.kind.value,
        query=query.display[:120],
        result_count=result_count,
        ip_address=ip_address or None,
    )
    if connection.vendor != "postgresql":
        return create()
    # Every lookup writes one row: waiting for its WAL flush was the largest part of a
    # lookup's time. A database crash may lose the last fraction of a second of audit
    # rows (never a half row, never out of order); the lookups change nothing else.
    # Session-level and reset at once (SET LOCAL would need a transaction of its own).
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        try:
            return create()
        finally:
            cursor.execute("RESET synchronous_commit")


def api_key_create(
    *, organisation: Organisation, name: str, created_by: User
) -> tuple[OrganisationApiKey, str]:
    """A new key for the organisation; the key text is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ApiKeyError("Give the key a name, e.g. the system that will use it.")
    if len(name) > 50:
        raise ApiKeyError("A key name is at most 50 characters.")
    return OrganisationApiKey.objects.create_key(
        organisation=organisation, name=name, created_by=created_by
    )


@transaction.atomic
def api_key_revoke(*, api_key: OrganisationApiKey, revoked_by: User) -> OrganisationApiKey:
    """Revoke a key for good: requests with it are refused from now on."""
    api_key = OrganisationApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked:
        raise ApiKeyError(f"The key “{api_key.name}” was already revoked.")
    api_key.revoked = True
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = revoked_by
    api_key.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    return api_key
