"""Row-level security for tables that mix built-in rows (no organisation) and tenant rows.

Tenancy's policy stays as it is (a row is visible and writable only for its organisation, or in
platform scope); a second, SELECT-only policy lets everyone read the built-in rows. PostgreSQL
combines permissive policies with OR for reading, while writes are still checked against
tenancy's policy alone: only platform code can write a built-in row.
"""

from wellbeing.tenancy.rls import EnableRowLevelSecurity

SHARED_POLICY = "shared_rows_readable"


class EnableSharedRowLevelSecurity(EnableRowLevelSecurity):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)
        table = self._table(app_label, to_state, schema_editor)
        schema_editor.execute(
            f"CREATE POLICY {SHARED_POLICY} ON {table} FOR SELECT USING (organisation_id IS NULL)"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, from_state, schema_editor)
        schema_editor.execute(f"DROP POLICY IF EXISTS {SHARED_POLICY} ON {table}")
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Enable row-level security with readable built-in rows on {self.model_name}"
