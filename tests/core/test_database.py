import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_it_runs_on_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
        # Django's psycopg 3 pool is on, as the settings promise.
        assert "pool" in connection.settings_dict["OPTIONS"]
    else:
        assert connection.vendor == "sqlite"
    print(f"database vendor: {connection.vendor}")


@pytest.mark.django_db
def test_the_pool_asks_the_server_only_about_a_connection_it_closed(monkeypatch):
    """core/postgresql/base.py: the pool lends an idle connection without a round trip;
    one whose backend was terminated is checked, found dead and replaced, so no request
    gets it."""
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's (DATABASE_URL=postgres://...)")
    from psycopg_pool import ConnectionPool

    from core.postgresql.base import connection_check
    from tests.security.services import database_backends_terminate

    pool = connection.pool
    assert pool._check is connection_check
    round_trips = []
    library_check = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool,
        "check_connection",
        staticmethod(lambda conn: (round_trips.append(conn), library_check(conn))),
    )
    connection.close()  # this test's connection back to the pool
    for _ in range(3):
        with pool.connection() as lent:
            lent.execute("SELECT 1")
    assert round_trips == []
    ended = database_backends_terminate()
    assert ended  # every pooled connection, as a restart would
    with pool.connection() as lent:
        assert lent.execute("SELECT 1").fetchone() == (1,)
    assert round_trips  # the dead ones were asked, found dead and replaced
    assert all(conn.closed for conn in round_trips)
