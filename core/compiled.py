"""Querysets compiled to SQL once per process, for the hottest read paths.

Building and compiling a queryset costs more Python than anything else in a metering
point lookup: about a quarter of a millisecond per query for a model of 40 columns,
whatever the database does. A `CompiledQuery` builds its queryset once with marker
parameters, keeps the SQL, and then runs it with the real parameters through a cursor,
turning the rows into model instances with the database's own converters. Only plain
shapes are accepted (one model, its own columns, parameters passed to the database
as given); anything else is refused when it is compiled, never silently wrong.

On PostgreSQL the compiled SQL is also sent with server-side parameters through a cursor
of its own (`prepared_cursor`), so each connection prepares it once and then runs it
without parsing or planning it again: about half of the database's CPU for these short
queries (a lookup by primary key: 0.065 ms planned each time, 0.025 ms prepared;
docs/performance.md). Django's other queries keep its client-side binding.
"""

import threading
from collections.abc import Callable, Sequence

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import Col
from django.db.models.query import ModelIterable

# Marker values for integer parameters (a primary key, say), which a field would refuse as
# text: far outside any key or count this portal stores.
_INTEGER_MARKER = -(2**62)


class CompiledQuery:
    """`build(*markers)` makes the queryset; `integers` names the parameters (by position)
    that the queryset compares with integer columns."""

    def __init__(
        self, build: Callable[..., QuerySet], arity: int, *, integers: Sequence[int] = ()
    ) -> None:
        self.build = build
        self.arity = arity
        self.integers = frozenset(integers)
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple:
        markers = [
            _INTEGER_MARKER - index if index in self.integers else f"\x1fparam-{index}\x1f"
            for index in range(self.arity)
        ]
        queryset = self.build(*markers)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Each SQL parameter is a marker (replaced by the caller's value) or a constant
        # of the queryset itself (revoked=False, say), kept as compiled.
        order = []
        for param in params:
            if (isinstance(param, str) and "\x1fparam-" in param) or (
                isinstance(param, int) and abs(param - _INTEGER_MARKER) < 2**32
            ):
                if param not in markers:
                    raise ValueError(f"a parameter is transformed in {queryset.query}")
                order.append((True, markers.index(param)))
            else:
                order.append((False, param))
        columns = [expression for expression, _, _ in compiler.select]
        if not all(isinstance(column, Col) for column in columns):
            raise ValueError("only columns can be compiled, not expressions")
        if compiler.klass_info is not None and compiler.klass_info.get("related_klass_infos"):
            raise ValueError("select_related cannot be compiled")
        instances = queryset._iterable_class is ModelIterable  # not values()/values_list()
        model = queryset.model if instances else None
        names = [column.target.attname for column in columns]
        converters = compiler.get_converters(columns)
        return model, sql, order, names, converters

    def compiled(self, alias: str) -> tuple:
        found = self._compiled.get(alias)
        if found is None:
            with self._lock:
                found = self._compiled[alias] = self._compile(alias)
        return found

    def rows(self, *params, using: str = "default") -> list[Sequence]:
        """The rows, as the database's converters make them (values_list's tuples)."""
        return self._rows(params, using)[1]

    def all(self, *params, using: str = "default") -> list[Model]:
        """The rows as model instances (a queryset of the model's own columns)."""
        (model, names), rows = self._rows(params, using)
        if model is None:
            raise ValueError("a values() or values_list() query has no instances")
        return [model.from_db(using, names, row) for row in rows]

    def _rows(self, params: tuple, using: str) -> tuple[tuple, list[Sequence]]:
        with prepared_cursor(using) as cursor:
            self._send(cursor, params, using)
            return self._received(cursor.fetchall(), using)

    def _send(self, cursor, params: tuple, using: str) -> None:
        _, sql, order, _, _ = self.compiled(using)
        cursor.execute(sql, [params[v] if given else v for given, v in order])

    def _received(self, rows: Sequence, using: str) -> tuple[tuple, list[Sequence]]:
        model, _, _, names, converters = self.compiled(using)
        if converters:
            connection = connections[using]
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, expression) in converters.items():
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        return (model, names), rows

    def first(self, *params, using: str = "default") -> Model | None:
        """The first instance, or None (the query itself decides the order and limit)."""
        found = self.all(*params, using=using)
        return found[0] if found else None


class SqlStatement:
    """Hand-written SQL that `rows_together` may send beside compiled queries: `make(alias)`
    gives the SQL once per database alias, with %s parameters that PostgreSQL can type by
    itself (casts), so that it may be prepared (`prepared_cursor`)."""

    def __init__(self, make: Callable[[str], str]) -> None:
        self.make = make
        self._sql: dict[str, str] = {}

    def sql(self, alias: str) -> str:
        found = self._sql.get(alias)
        if found is None:
            found = self._sql[alias] = self.make(alias)
        return found

    def rows(self, *params, using: str = "default") -> list[Sequence]:
        with prepared_cursor(using) as cursor:
            self._send(cursor, params, using)
            return cursor.fetchall()

    def _send(self, cursor, params: tuple, using: str) -> None:
        cursor.execute(self.sql(using), list(params))

    def _received(self, rows: Sequence, using: str) -> tuple[tuple, list[Sequence]]:
        return (None, None), list(rows)


def rows_together(
    *calls: tuple[CompiledQuery | SqlStatement, tuple], using: str = "default"
) -> list[list[Sequence]]:
    """The rows of several compiled queries, each with its parameters, sent to PostgreSQL
    in one round trip (psycopg's pipeline mode) instead of one each; elsewhere one after
    the other. Each result is what `rows()` gives; `instances()` makes model instances."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return [query.rows(*params, using=using) for query, params in calls]
    cursors = [prepared_cursor(using) for _ in calls]
    try:
        with connection.wrap_database_errors:
            with connection.connection.pipeline():
                for cursor, (query, params) in zip(cursors, calls, strict=True):
                    query._send(cursor, params, using)
            # Leaving the pipeline sent the statements and a Sync, and received every
            # result: one round trip. Fetching inside it would cost a second one (a
            # flush for the results, then the Sync as it leaves).
            fetched = [cursor.fetchall() for cursor in cursors]
    except Exception:
        if connection.connection is not None and connection.connection.pgconn.pipeline_status:
            # psycopg (3.3) cannot leave pipeline mode after an error at the implicit
            # transaction's commit ("cannot exit pipeline mode while busy"): the
            # connection would refuse every later statement, so it is closed (a pool
            # discards it) and the next query opens another.
            connection.close()
        raise
    finally:
        for cursor in cursors:
            cursor.close()
    return [
        query._received(rows, using)[1] for (query, _), rows in zip(calls, fetched, strict=True)
    ]


def prepared_cursor(using: str = "default"):
    """A cursor whose statements PostgreSQL prepares on their connection once they have
    run `DATABASES[...]["OPTIONS"]["prepare_threshold"]` times (the backend's
    `prepared_cursor`, core/postgresql/base.py); elsewhere (SQLite) Django's cursor.
    Only for SQL whose parameters PostgreSQL can type by itself (the compiled shapes, the
    audit insert with its casts)."""
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def instances(query: CompiledQuery, rows: list[Sequence], using: str = "default") -> list[Model]:
    """Model instances from `rows_together`'s rows of a query of a model's own columns."""
    model, _, _, names, _ = query.compiled(using)
    if model is None:
        raise ValueError("a values() or values_list() query has no instances")
    return [model.from_db(using, names, row) for row in rows]
