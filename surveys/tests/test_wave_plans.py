"""How PostgreSQL reads a wave: whole, with hash joins, even when its statistics are stale.

A wave that closes soon after a burst of answers is read before autovacuum has analysed them;
the planner then expects one response and, unless told otherwise, joins row by row through the
organisation's whole index of answers (a 20,000-respondent release took 204 s that way instead
of about one second: docs/benchmarks.md)."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from surveys.aggregation import wave_snapshot
from surveys.tests.waves import closed_wave, roster
from wellbeing.tenancy.context import organisation_scope

TABLES = ("surveys_answer", "surveys_response")


@pytest.fixture
def stale_statistics():
    """The answer tables analysed while nearly empty, and autovacuum kept away from them until
    the test ends (each test process has a database of its own)."""
    with connections["owner"].cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            cursor.execute(f"ANALYZE {table}")
    yield
    with connections["owner"].cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_answers_of_a_wave_are_joined_whole_even_with_statistics_from_before_it(world, stale_statistics):
    organisation = world.org("a")
    with organisation_scope(organisation):
        schools = roster(sizes={"North": 300, "South": 300}, seed=3)
        survey, _ = closed_wave(organisation=organisation, schools=schools, seed=5)

    with organisation_scope(organisation), transaction.atomic():
        with wave_snapshot(survey) as wave, CaptureQueriesContext(connection) as queries:
            wave.answered_by_profile()  # reads the answers, in one pass
            statement = next(q["sql"] for q in queries.captured_queries if "bit_or(" in q["sql"])
            read = statement[statement.index(" AS\n") + len(" AS\n"):]  # the SELECT of the CREATE TABLE ... AS
            as_read = _plan(read)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_nestloop = DEFAULT")
            as_the_planner_would = _plan(read)
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_nestloop")
            after = cursor.fetchone()[0]

    # The statistics do mislead the planner here: left alone, it joins row by row.
    assert "Nested Loop" in as_the_planner_would, as_the_planner_would
    assert "Nested Loop" not in as_read and "Hash Join" in as_read, as_read
    assert after == "on", "the rest of the release's transaction plans as usual"
