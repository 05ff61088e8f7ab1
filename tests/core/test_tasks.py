from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.tasks import sessions_clear_expired


def make_session(*, expired: bool) -> str:
    store = SessionStore()
    store["marker"] = "x"
    store.create()
    if expired:
        Session.objects.filter(pk=store.session_key).update(
            expire_date=timezone.now() - timedelta(minutes=1)
        )
    return store.session_key


@pytest.mark.django_db
def test_it_deletes_only_expired_sessions():
    old, live = make_session(expired=True), make_session(expired=False)
    assert sessions_clear_expired.delay().get() == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert old != live


@pytest.mark.worker
def test_a_real_worker_runs_the_task_from_the_broker(celery_worker_process):
    import time

    old, live = make_session(expired=True), make_session(expired=False)
    sessions_clear_expired.apply_async(queue=celery_worker_process)
    deadline = time.monotonic() + 30
    while Session.objects.filter(pk=old).exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 30 s"
        time.sleep(0.2)
    assert Session.objects.filter(pk=live).exists()
