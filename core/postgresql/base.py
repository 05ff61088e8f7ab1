"""Django's PostgreSQL backend, with the pool's check of a connection before it lends it
to a request, and a cursor whose statements PostgreSQL prepares (`prepared_cursor`).

psycopg_pool's own check (`ConnectionPool.check_connection`, what Django installs with
`CONN_HEALTH_CHECKS`) sends an empty query: one more round trip for every request, about
a tenth of a metering-point lookup's time (docs/performance.md). A connection the server
has ended (a terminated backend, a restart, a crash) says so on its socket: the server
sends its error and closes it, and the socket becomes readable. An idle connection in
autocommit, which is what the pool holds, has nothing else to read. So the round trip is
made only when the socket is readable or the connection is known to be closed, and a
connection that fails it is discarded by the pool and replaced before any request sees it.

What this does not catch, and the round trip would: a server that vanished without
closing the socket (a network partition, a machine powered off). The request then
fails after the connection's timeout, as it would have failed on a query anyway.
"""

import select

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def connection_check(conn) -> None:
    """Raise if `conn` is not fit to lend (psycopg_pool then discards it and takes or
    makes another)."""
    if conn.closed or conn.broken:
        ConnectionPool.check_connection(conn)  # raises for a closed connection
        return
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        readable = True
    if readable:
        ConnectionPool.check_connection(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    """Django makes the pool with its own check or none (`CONN_HEALTH_CHECKS`) and
    refuses another in OPTIONS["pool"]; the settings turn its check off and this sets
    `connection_check` on the pool it made (psycopg_pool keeps the check in `_check`, the
    one attribute used here that the library does not document; tests/core/test_database.py
    holds it to the library's behaviour)."""

    @property
    def pool(self):
        pool = super().pool
        if pool is not None and pool._check is not connection_check:
            pool._check = connection_check
        return pool

    def prepared_cursor(self):
        """A cursor whose statements PostgreSQL prepares once they have run
        OPTIONS["prepare_threshold"] times (psycopg's server-side binding; Django's own
        cursors bind on the client, which never prepares). Django's cursor wrapper is
        kept, so query logging and execute wrappers see its queries (core/compiled.py)."""
        self.ensure_connection()
        self.validate_thread_sharing()
        cursor = base.ServerBindingCursor(self.connection)
        return self.make_debug_cursor(cursor) if self.queries_logged else self.make_cursor(cursor)
