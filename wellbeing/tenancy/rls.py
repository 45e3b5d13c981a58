"""The second wall: PostgreSQL row-level security on every tenant-owned table.

Each app's migrations add `EnableRowLevelSecurity("model")` after creating a tenant-owned model;
tests/test_isolation.py reads the catalog and fails for any table with `organisation_id` that
lacks an enabled, forced policy.
"""

from django.db import migrations

POLICY = "organisation_isolation"
# No setting (or an empty one, as a finished transaction leaves it) matches no row at all.
CONDITION = (
    "organisation_id = NULLIF(current_setting('app.organisation_id', true), '')::bigint "
    "OR current_setting('app.platform', true) = 'on'"
)


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state, schema_editor):
        model = state.apps.get_model(app_label, self.model_name)
        return schema_editor.quote_name(model._meta.db_table)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, to_state, schema_editor)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY {POLICY} ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, from_state, schema_editor)
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})
