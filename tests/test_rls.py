"""The second wall, read straight from PostgreSQL: row-level security on every tenant table."""

import pytest
from django.db import connections, transaction

from wellbeing.tenancy.context import NoOrganisationInContext, organisation_scope
from wellbeing.tenancy.models import School

pytestmark = pytest.mark.django_db(databases=["default", "owner"])


def tenant_tables(cursor):
    cursor.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organisation_id' AND NOT a.attisdropped
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE c.relkind IN ('r', 'p')
        """
    )
    return cursor.fetchall()


def test_every_table_with_organisation_id_has_forced_rls_and_a_policy():
    with connections["owner"].cursor() as cursor:
        tables = tenant_tables(cursor)
    assert len(tables) >= 5, "expected the tenancy tables at least"
    missing = [name for name, enabled, forced, policies in tables if not (enabled and forced and policies)]
    assert missing == []


def test_application_role_is_not_superuser_owner_or_bypassrls():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
        )
        owned = cursor.fetchone()[0]
    assert (superuser, bypass, owned) == (False, False, 0), user


def test_raw_sql_sees_only_the_organisation_in_the_setting(world):
    a, b = world.org("a"), world.org("b")
    with transaction.atomic(), connections["default"].cursor() as cursor:
        cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(a.pk)])
        cursor.execute("SELECT DISTINCT organisation_id FROM tenancy_school")
        assert [row[0] for row in cursor.fetchall()] == [a.pk]
        cursor.execute("SELECT count(*) FROM tenancy_membership WHERE organisation_id = %s", [b.pk])
        assert cursor.fetchone()[0] == 0


def test_raw_sql_without_the_setting_sees_no_rows_at_all(world):
    with connections["default"].cursor() as cursor:
        for table in ("tenancy_school", "tenancy_membership"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == 0, table
    with organisation_scope(world.org("a")):  # the rows are there, for whoever may see them
        assert School.objects.count() == 2


def test_writing_a_row_for_another_organisation_is_refused_by_the_database(world):
    from django.db import DatabaseError

    with organisation_scope(world.org("a")):
        with pytest.raises(DatabaseError, match="row-level security"):
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute(
                    "INSERT INTO tenancy_school (organisation_id, name, phase, staff_count, is_active)"
                    " VALUES (%s, 'Intruder', 'primary', 1, true)",
                    [world.org("b").pk],
                )


def test_the_orm_refuses_to_query_without_an_organisation(world):
    with pytest.raises(NoOrganisationInContext):
        list(School.objects.all())
    with organisation_scope(world.org("b")):
        assert {s.name for s in School.objects.all()} == {"B School 1", "B School 2"}


def test_nested_scopes_restore_the_outer_organisation(world):
    with organisation_scope(world.org("a")):
        with organisation_scope(world.org("b")):
            assert School.objects.count() == 2
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT DISTINCT organisation_id FROM tenancy_school")
            assert [row[0] for row in cursor.fetchall()] == [world.org("a").pk]
