"""The search audit table, partitioned by UK calendar month on PostgreSQL.

At 100 lookups a second `search_searchevent` gains 8.6 million rows a day. Partitioned by
month, the daily caps and the usage screens read only the months they ask about, and an
expired month goes as a whole: detached and dropped, never deleted row by row (the
append-only trigger still refuses UPDATE and DELETE on every partition).

- `search_searchevent_pYYYY_MM` holds one UK month (from midnight UK time on the 1st);
- `search_searchevent_default` catches rows outside every month partition (a clock far
  off, tests that travel in time); retention never touches it, and a month whose rows
  are already there cannot get its own partition (the maintenance says so);
- `search_searchevent_partitions_maintain(retention_months, months_ahead, at)`, a
  SECURITY DEFINER function created by the migration as the table's owner, creates the
  month partitions from `at`'s month to `months_ahead` ahead and drops the months wholly
  older than `retention_months` before `at`'s month. The application role need not own
  the table to run it (docs/security.md), and it refuses a retention under 12 months,
  whoever calls it.

Written here rather than with pg_partman: that extension is not part of a stock
PostgreSQL, and this is one table with one rule. SQLite keeps the plain table.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

UK = ZoneInfo("Europe/London")

TABLE = "search_searchevent"
FUNCTION = "search_searchevent_partitions_maintain"
MINIMUM_RETENTION_MONTHS = 12

_FUNCTION_TEMPLATE = """
CREATE OR REPLACE FUNCTION __FUNCTION__(
    retention_months integer, months_ahead integer, at timestamptz DEFAULT now()
) RETURNS TABLE (action text, partition_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    this_month date := date_trunc('month', at AT TIME ZONE 'Europe/London')::date;
    oldest_kept date;
    month date;
    name text;
    rows_elsewhere boolean;
BEGIN
    IF retention_months < __MINIMUM__ THEN
        RAISE EXCEPTION 'search events are kept at least __MINIMUM__ months, not %',
            retention_months USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR step IN 0..months_ahead LOOP
        month := (this_month + make_interval(months => step))::date;
        name := format('__TABLE___p%s', to_char(month, 'YYYY_MM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM __TABLE___default'
            ' WHERE created_at >= %L AND created_at < %L)',
            month::timestamp AT TIME ZONE 'Europe/London',
            (month + interval '1 month')::timestamp AT TIME ZONE 'Europe/London'
        ) INTO rows_elsewhere;
        IF rows_elsewhere THEN
            action := 'held in the default partition'; partition_name := name; RETURN NEXT;
            CONTINUE;
        END IF;
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF __TABLE__ FOR VALUES FROM (%L) TO (%L)', name,
            month::timestamp AT TIME ZONE 'Europe/London',
            (month + interval '1 month')::timestamp AT TIME ZONE 'Europe/London'
        );
        action := 'created'; partition_name := name; RETURN NEXT;
    END LOOP;
    oldest_kept := (this_month - make_interval(months => retention_months))::date;
    FOR name IN
        SELECT child.relname FROM pg_inherits
        JOIN pg_class child ON child.oid = pg_inherits.inhrelid
        WHERE pg_inherits.inhparent = '__TABLE__'::regclass
          AND child.relname ~ '^__TABLE___p[0-9]{4}_[0-9]{2}$'
        ORDER BY child.relname
    LOOP
        month := to_date(right(name, 7), 'YYYY_MM');
        CONTINUE WHEN month >= oldest_kept;
        EXECUTE format('ALTER TABLE __TABLE__ DETACH PARTITION %I', name);
        EXECUTE format('DROP TABLE %I', name);
        action := 'dropped'; partition_name := name; RETURN NEXT;
    END LOOP;
END;
$$;
"""
FUNCTION_SQL = (
    _FUNCTION_TEMPLATE.replace("__TABLE__", TABLE)
    .replace("__FUNCTION__", FUNCTION)
    .replace("__MINIMUM__", str(MINIMUM_RETENTION_MONTHS))
)


def partitions_maintain(
    *, retention_months: int, months_ahead: int, at: datetime | None = None
) -> list[tuple[str, str]]:
    """Run the maintenance function: [(action, partition), ...]; nothing on SQLite."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT action, partition_name FROM {FUNCTION}(%s, %s, coalesce(%s, now()))",  # noqa: S608 - our constant
            [retention_months, months_ahead, at],
        )
        return [tuple(row) for row in cursor.fetchall()]


def partitions_of_table() -> list[str]:
    """The names of the table's partitions (PostgreSQL), sorted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child"
            " ON child.oid = pg_inherits.inhrelid WHERE pg_inherits.inhparent = %s::regclass"
            " ORDER BY 1",
            [TABLE],
        )
        return [row[0] for row in cursor.fetchall()]


def table_partition(schema_editor, months_ahead: int) -> None:
    """The migration's step: turn the plain table into a partitioned one, keeping every
    row, index, constraint and the identity of `id`. The primary key becomes
    (id, created_at), as partitioning requires; `id` stays unique (one sequence)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = %s AND indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('f', 'c')",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT date_trunc('month', coalesce(min(created_at), now())"  # noqa: S608 - our constant
            " AT TIME ZONE 'Europe/London')::date FROM " + TABLE
        )
        (first_month,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_unpartitioned")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {TABLE}_unpartitioned INCLUDING DEFAULTS"
            " INCLUDING IDENTITY) PARTITION BY RANGE (created_at)"
        )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cursor.execute(FUNCTION_SQL)
        # Month partitions from the oldest row's month to `months_ahead` after this one.
        now = timezone.localtime(timezone.now(), UK)
        months = (now.year - first_month.year) * 12 + now.month - first_month.month
        cursor.execute(
            f"SELECT count(*) FROM {FUNCTION}(1000, %s,"  # noqa: S608 - our constant
            " %s::date::timestamp AT TIME ZONE 'Europe/London')",
            [months + months_ahead, first_month],
        )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_unpartitioned")  # noqa: S608
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"  # noqa: S608
            f" coalesce((SELECT max(id) FROM {TABLE}), 0) + 1, false)"
        )
        cursor.execute(f"DROP TABLE {TABLE}_unpartitioned")
        # LIKE ... INCLUDING IDENTITY made a new sequence beside the old one's name.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, created_at)"
        )
        for definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
