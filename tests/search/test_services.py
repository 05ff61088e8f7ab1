from django.db import connection

from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchKind, SearchQuery
from search.services import search_event_record


def synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_recording_a_lookup_leaves_the_connections_commit_setting_as_it_was(member):
    before = synchronous_commit()

    event = search_event_record(
        user=member,
        action=SearchAction.DETAIL,
        channel=SearchChannel.WEB,
        query=SearchQuery(SearchKind.MPAN, "1200000000011"),
        result_count=1,
        ip_address="127.0.0.1",
    )

    assert SearchEvent.objects.get() == event
    assert (event.organisation_id, event.query) == (member.organisation_id, "1200000000011")
    assert synchronous_commit() == before
