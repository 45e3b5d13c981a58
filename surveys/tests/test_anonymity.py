"""Read from PostgreSQL's own catalog: nothing in the answer tables can point back at a person.

These tests look at the database, not at the models, so a column added by any migration (or by
hand) that links answers to an invitation, a person, an address or a time of day fails them."""

import re

import pytest
from django.db import connections, transaction

pytestmark = pytest.mark.django_db(databases=["default", "owner"])

ANSWER_TABLES = ("surveys_response", "surveys_answer", "surveys_comment")
# Tables that know who someone is: the answer tables may not reference them, nor they the answers.
IDENTIFYING_TABLES = (
    "surveys_invitation",
    "surveys_draft",
    "accounts_user",
    "tenancy_staffmember",
    "tenancy_membership",
)
TIME_TYPES = {
    "timestamp without time zone",
    "timestamp with time zone",
    "time without time zone",
    "time with time zone",
    "interval",
}
ADDRESS_TYPES = {"inet", "cidr", "macaddr", "macaddr8"}
IDENTIFYING_NAME = re.compile(
    r"(^|_)(ip|ips|ip_address|ipaddress|remote_addr|addr|ua|user_agent|useragent|agent|device|"
    r"user|user_id|staff|staff_member|staffmember|person|email|invitation|invitation_id|token|"
    r"token_hash|session|created|updated|modified|timestamp|time|at|datetime)(_|$)"
)


def catalog_problems(cursor) -> list[str]:
    problems = []
    cursor.execute(
        """
        SELECT table_name, column_name, data_type
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = ANY(%s)
        """,
        [list(ANSWER_TABLES)],
    )
    columns = cursor.fetchall()
    assert {table for table, _column, _type in columns} == set(ANSWER_TABLES), "answer tables missing"
    for table, column, data_type in columns:
        if data_type in TIME_TYPES:
            problems.append(f"{table}.{column} holds a time finer than a day ({data_type})")
        if data_type in ADDRESS_TYPES:
            problems.append(f"{table}.{column} holds a network address ({data_type})")
        if IDENTIFYING_NAME.search(column):
            problems.append(f"{table}.{column} is named like something that identifies a person")
        if table == "surveys_comment" and "response" in column:
            problems.append(f"{table}.{column} links a comment to a response")
    cursor.execute(
        """
        SELECT src.relname, dst.relname
        FROM pg_constraint c
        JOIN pg_class src ON src.oid = c.conrelid
        JOIN pg_class dst ON dst.oid = c.confrelid
        WHERE c.contype = 'f'
          AND ((src.relname = ANY(%(answers)s) AND dst.relname = ANY(%(identifying)s))
            OR (src.relname = ANY(%(identifying)s) AND dst.relname = ANY(%(answers)s))
            OR (src.relname = 'surveys_comment' AND dst.relname = 'surveys_response'))
        """,
        {"answers": list(ANSWER_TABLES), "identifying": list(IDENTIFYING_TABLES)},
    )
    problems += [f"foreign key {src} -> {dst}" for src, dst in cursor.fetchall()]
    return problems


def test_no_answer_table_can_be_linked_to_a_person_an_address_or_a_time_of_day():
    with connections["owner"].cursor() as cursor:
        assert catalog_problems(cursor) == []


def test_the_check_catches_a_column_added_later():
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        cursor.execute("ALTER TABLE surveys_response ADD COLUMN created timestamptz")
        cursor.execute("ALTER TABLE surveys_answer ADD COLUMN client inet")
        cursor.execute("ALTER TABLE surveys_comment ADD COLUMN response_id uuid REFERENCES surveys_response(id)")
        cursor.execute(
            "ALTER TABLE surveys_invitation ADD COLUMN answered uuid REFERENCES surveys_response(id)"
        )
        problems = catalog_problems(cursor)
        transaction.set_rollback(True, using="owner")
    assert sorted(problems) == sorted([
        "surveys_response.created holds a time finer than a day (timestamp with time zone)",
        "surveys_response.created is named like something that identifies a person",
        "surveys_answer.client holds a network address (inet)",
        "surveys_comment.response_id links a comment to a response",
        "foreign key surveys_comment -> surveys_response",
        "foreign key surveys_invitation -> surveys_response",
    ])


def test_response_and_comment_ids_are_random_and_answers_have_no_id_of_their_own():
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name, data_type, column_default
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = ANY(%s) AND column_name = 'id'
            """,
            [list(ANSWER_TABLES)],
        )
        ids = {table: (data_type, default) for table, _column, data_type, default in cursor.fetchall()}
        cursor.execute(
            """
            SELECT count(*) FROM pg_sequences s
            JOIN pg_depend d ON d.objid = (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass
            JOIN pg_class t ON t.oid = d.refobjid
            WHERE t.relname = ANY(%s)
            """,
            [list(ANSWER_TABLES)],
        )
        sequences = cursor.fetchone()[0]
    # uuid4 values are made by the application; no sequence hands out ordered ids.
    assert ids == {"surveys_response": ("uuid", None), "surveys_comment": ("uuid", None)}
    assert sequences == 0


# -- who reads raw answers --------------------------------------------------------------------
# DESIGN.md: raw answers are read by the aggregation module only; everything else reads
# suppressed result cells. Besides the aggregation package, these modules may name the answer
# models or tables, each for the reason given; any other module that does fails the test.
ANSWER_MODELS = {"Answer", "Response", "Comment"}
ANSWER_READERS = {
    "surveys/aggregation/": "the one reader of raw answers",
    "surveys/models/": "the models themselves",
    "surveys/services/responses.py": "writes a submission (reads nothing back)",
    "surveys/services/releases.py": "scrubs the storage order of a closed wave's rows",
    "surveys/generator.py": "writes generated answers for the demo, tests and benchmarks",
    "surveys/tests/test_anonymity.py": "reads the catalog of the answer tables, never their rows",
    "surveys/tests/test_releases.py": "checks that the scrub rewrote the rows' storage order",
    "surveys/tests/test_wave_plans.py": "analyses the answer tables (statistics only) and plans the wave's read",
    "bench/": "benchmarks load generated answers, count them and hand them to their baselines",
}
SKIPPED_DIRECTORIES = {".venv", ".local", ".git", "node_modules", "frontend", "migrations", "static"}


def answer_readers(relative_path: str, source: str) -> list[str]:
    """How one module names the answer models or tables: imports of Answer, Response or Comment
    from surveys' models, get_model("surveys", ...) of them, and SQL naming their tables."""
    import ast

    found = []
    package = relative_path.split("/")[0]
    for node in ast.walk(ast.parse(source, filename=relative_path)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            from_surveys_models = (
                module.startswith("surveys.models")
                or (node.level > 0 and package == "surveys" and module.split(".")[0] in ("models", ""))
            )
            names = {alias.name for alias in node.names} & ANSWER_MODELS
            if from_surveys_models and names:
                found.append(f"{relative_path}:{node.lineno} imports {', '.join(sorted(names))}")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model":
            values = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if "surveys" in values and ANSWER_MODELS & set(values):
                found.append(f"{relative_path}:{node.lineno} gets the model {values[-1]}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            tables = [t for t in ANSWER_TABLES if re.search(rf"\b{t}\b", node.value)]
            if tables:
                found.append(f"{relative_path}:{node.lineno} names the table {tables[0]}")
    return sorted(found, key=lambda line: int(line.split(":")[1].split()[0]))


def test_only_the_aggregation_reads_answers():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED_DIRECTORIES & set(relative.parts[:-1]):
            continue
        name = relative.as_posix()
        if any(name == allowed or (allowed.endswith("/") and name.startswith(allowed)) for allowed in ANSWER_READERS):
            continue
        found += answer_readers(name, path.read_text())
    assert found == []


def test_the_reader_check_catches_a_new_reader():
    source = (
        "from surveys.models import Answer, Item\n"
        "from ..models import Comment\n"
        "from .models.responses import Response\n"
        "from surveys.models import ResponseCount\n"
        "Answer2 = apps.get_model('surveys', 'Answer')\n"
        "SQL = 'SELECT value FROM surveys_answer'\n"
        "OTHER = 'SELECT 1 FROM surveys_answered_question'\n"
    )
    assert answer_readers("surveys/views_new.py", source) == [
        "surveys/views_new.py:1 imports Answer",
        "surveys/views_new.py:2 imports Comment",
        "surveys/views_new.py:3 imports Response",
        "surveys/views_new.py:5 gets the model Answer",
        "surveys/views_new.py:6 names the table surveys_answer",
    ]
