from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from service_status import queries
from service_status.models import ServiceOverride
from service_status.queries import mode_in_force, retired_function_or_none
from tests.factories import BroadcastFactory, ServiceWindowFactory, UserFactory

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def test_with_no_window_the_mode_is_normal():
    state = mode_in_force()
    assert state.mode == "normal"
    assert state.source == "normal"


def test_the_most_restrictive_active_window_is_in_force():
    now = timezone.now()
    ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + 10 * HOUR)
    offline = ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + HOUR)
    state = mode_in_force()
    assert state.mode == "offline"
    assert state.window.id == offline.pk
    assert state.changes_at == offline.ends_at


def test_a_window_is_in_force_from_its_start_up_to_but_not_at_its_end():
    now = timezone.now()
    window = ServiceWindowFactory(starts_at=now + HOUR, ends_at=now + 2 * HOUR)
    assert mode_in_force(at=window.starts_at - timedelta(seconds=1), fresh=True).mode == "normal"
    assert mode_in_force(at=window.starts_at, fresh=True).mode == "restricted"
    assert mode_in_force(at=window.ends_at, fresh=True).mode == "normal"


def test_a_manual_mode_beats_the_schedule_until_it_expires():
    now = timezone.now()
    ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + 3 * HOUR)
    ServiceOverride.objects.create(mode="normal", until=now + HOUR, reason="tested early")
    assert mode_in_force(fresh=True).mode == "normal"
    assert mode_in_force(at=now + 2 * HOUR, fresh=True).mode == "offline"


def test_a_retired_function_is_retired_only_from_its_date(settings):
    retired_from = timezone.now() + HOUR
    settings.SERVICE_RETIRED_FUNCTIONS = {
        "d0312_maintenance": {"from": retired_from.isoformat(), "message": "Use MPAS."}
    }
    assert retired_function_or_none("d0312_maintenance") is None
    assert retired_function_or_none("d0312_maintenance", at=retired_from).message == "Use MPAS."
    assert retired_function_or_none("reports", at=retired_from) is None


def test_asking_about_an_unknown_function_fails_loudly():
    with pytest.raises(ValueError, match="no service function"):
        retired_function_or_none("d0312")


def test_the_snapshot_is_read_from_the_cache_not_the_database(django_assert_num_queries):
    queries.status_snapshot()
    with django_assert_num_queries(0):
        assert mode_in_force().mode == "normal"


def test_the_cached_snapshot_still_follows_the_clock():
    now = timezone.now()
    ServiceWindowFactory(starts_at=now + HOUR, ends_at=now + 2 * HOUR)
    queries.status_snapshot()
    with time_machine.travel(now + 90 * timedelta(minutes=1), tick=False):
        assert mode_in_force().mode == "restricted"


def test_when_the_cache_is_down_the_database_answers(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    now = timezone.now()
    ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + HOUR)
    assert mode_in_force().mode == "offline"
    assert "cache get failed" in caplog.text


def test_a_broadcast_aimed_at_suppliers_is_not_shown_to_a_mop(organisation, other_organisation):
    other_organisation.role_codes = "M"
    other_organisation.save()
    BroadcastFactory(title="For suppliers", market_role_codes="X")
    supplier = UserFactory(organisation=organisation)
    mop = UserFactory(organisation=other_organisation)
    assert queries.banner_broadcast(user=supplier).title == "For suppliers"
    assert queries.banner_broadcast(user=mop) is None
    assert queries.banner_broadcast(user=None) is None


def test_a_broadcast_aimed_at_an_organisation_and_admins_needs_both(organisation):
    broadcast = BroadcastFactory(title="Admins of A", user_roles="org_admin")
    broadcast.organisations.set([organisation])
    admin = UserFactory(organisation=organisation, role="org_admin")
    user = UserFactory(organisation=organisation, role="user")
    outsider_admin = UserFactory(role="org_admin")
    assert queries.banner_broadcast(user=admin).title == "Admins of A"
    assert queries.banner_broadcast(user=user) is None
    assert queries.banner_broadcast(user=outsider_admin) is None


def test_the_banner_is_the_latest_active_broadcast():
    now = timezone.now()
    BroadcastFactory(title="Older", active_from=now - 2 * HOUR)
    BroadcastFactory(title="Newer", active_from=now - HOUR)
    BroadcastFactory(title="Not yet", active_from=now + HOUR)
    BroadcastFactory(title="Ended", active_from=now - HOUR / 2, active_until=now - HOUR / 4)
    assert queries.banner_broadcast().title == "Newer"


def test_when_redis_is_unreachable_the_mode_still_comes_from_the_database(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    now = timezone.now()
    ServiceWindowFactory(mode="restricted", starts_at=now - HOUR, ends_at=now + HOUR)
    assert mode_in_force().mode == "restricted"
    assert mode_in_force().mode == "restricted"  # the cache is skipped for a while now


def test_a_process_keeps_the_snapshot_it_read_for_a_moment_then_asks_the_cache_again(settings):
    settings.SERVICE_STATUS_PROCESS_SECONDS = 60
    assert mode_in_force().mode == "normal"
    # Another process opens a window and clears the shared cache.
    now = timezone.now()
    ServiceWindowFactory(mode="offline", starts_at=now - HOUR, ends_at=now + HOUR)
    cache.delete(queries.SNAPSHOT_CACHE_KEY)
    assert mode_in_force().mode == "normal"  # within this process's moment: no round trip
    settings.SERVICE_STATUS_PROCESS_SECONDS = 0
    assert mode_in_force().mode == "offline"
