"""Append-only audit tables: the one place that makes an audit record unchangeable.

Three layers, so that no single mistake can rewrite the audit trail:

- the ORM: `AppendOnlyModel` refuses `save()` on an existing row and `delete()`, and its
  manager's QuerySet refuses `update()` and `delete()` (so `bulk_update` too);
- the Django admin: each audit model's admin is read-only (its own app's admin.py);
- the database: on PostgreSQL, `AppendOnlyTrigger` (a migration operation) installs a
  trigger that refuses UPDATE and DELETE, whatever the client. On SQLite it does nothing.

A foreign key declared `on_delete=SET_NULL` (a purged report, a deleted actor) may become
NULL, and an "erasable" column (a copy of a person's e-mail address) may be overwritten
with an anonymous id (`deleted-user-<n>`) when the person's account is deleted: the
trigger allows those changes and nothing else.
Django's deletion collector nulls those columns through the base manager, which is a
plain one, so the ORM allows it too.

TRUNCATE is not refused: the test suite empties tables between transactional tests with
it, and it needs the table owner's privilege, which the application role should not hold
in production (docs/security.md).
"""

from django.db import models
from django.db.migrations.operations.base import Operation

TRIGGER_FUNCTION = "ecoes_audit_append_only"


class AppendOnlyError(TypeError):
    """An audit record was to be changed or deleted."""

    def __init__(self, model: type[models.Model] | None = None) -> None:
        what = model._meta.verbose_name_plural.capitalize() if model else "Audit records"
        super().__init__(f"{what} are append-only: they cannot be changed or deleted.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(self.model)

    def delete(self):
        raise AppendOnlyError(self.model)


class AppendOnlyModel(models.Model):
    """Base of every audit model: rows are inserted, then never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(type(self))


# The anonymous id an erasable column may be overwritten with.
ANONYMOUS_ID_PATTERN = "^deleted-user-[0-9]+$"

# Refuses UPDATE and DELETE. The trigger's arguments name the columns that may still be
# set to NULL (SET_NULL foreign keys), then, after a '|', the erasable columns (which
# may be set to an anonymous id); an UPDATE that changes anything else is refused.
_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    separator int := coalesce(
        array_position(TG_ARGV, '|'), coalesce(array_length(TG_ARGV, 1), 0) + 1);
    nullable text[] := coalesce(TG_ARGV[0:separator - 1], '{{}}');
    erasable text[] := coalesce(TG_ARGV[separator + 1:], '{{}}');
    column_name text;
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(array_length(nullable || erasable, 1), 0) > 0
       AND (to_jsonb(NEW) - (nullable || erasable))
           = (to_jsonb(OLD) - (nullable || erasable)) THEN
        FOREACH column_name IN ARRAY nullable LOOP
            IF to_jsonb(NEW) -> column_name <> 'null'::jsonb
               AND to_jsonb(NEW) -> column_name <> to_jsonb(OLD) -> column_name THEN
                RAISE EXCEPTION '% is append-only: % may only be set to NULL',
                    TG_TABLE_NAME, column_name USING ERRCODE = 'insufficient_privilege';
            END IF;
        END LOOP;
        FOREACH column_name IN ARRAY erasable LOOP
            IF to_jsonb(NEW) -> column_name <> to_jsonb(OLD) -> column_name
               AND NOT (to_jsonb(NEW) ->> column_name ~ '{ANONYMOUS_ID_PATTERN}') THEN
                RAISE EXCEPTION '% is append-only: % may only be anonymised',
                    TG_TABLE_NAME, column_name USING ERRCODE = 'insufficient_privilege';
            END IF;
        END LOOP;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


class AppendOnlyTrigger(Operation):
    """Migration operation: on PostgreSQL, forbid UPDATE and DELETE on a model's table.

    `nullable` lists the columns (e.g. "report_id") an UPDATE may still set to NULL.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(
        self, model_name: str, nullable: tuple[str, ...] = (), erasable: tuple[str, ...] = ()
    ) -> None:
        if not all(column.isidentifier() for column in (*nullable, *erasable)):
            raise ValueError(f"Not column names: {nullable!r} {erasable!r}")
        self.model_name = model_name
        self.nullable = tuple(nullable)
        self.erasable = tuple(erasable)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.nullable:
            kwargs["nullable"] = self.nullable
        if self.erasable:
            kwargs["erasable"] = self.erasable
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        pass  # the models do not change, only the database

    def _names(self, app_label, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        return table, f"{table}_append_only"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table, trigger = self._names(app_label, to_state)
        quote = schema_editor.quote_name
        columns = [*self.nullable, *(("|", *self.erasable) if self.erasable else ())]
        arguments = ", ".join(f"'{column}'" for column in columns)
        schema_editor.execute(_FUNCTION_SQL, params=None)  # "%" is plpgsql, not a placeholder
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {quote(table)}")
        schema_editor.execute(
            f"CREATE TRIGGER {quote(trigger)} BEFORE UPDATE OR DELETE ON {quote(table)}"
            f" FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}({arguments})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table, trigger = self._names(app_label, from_state)
        quote = schema_editor.quote_name
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {quote(table)}")

    def describe(self) -> str:
        return f"Forbid UPDATE and DELETE on {self.model_name} (PostgreSQL trigger)"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_append_only"
