"""Fast inserts of many rows into one tenant-owned table.

PostgreSQL refuses `COPY ... FROM` into a table with row-level security, so the rows are copied
into a temporary table of the same columns (no policy there) and moved across with one
`INSERT ... SELECT`, which the table's policy checks like any insert. Tens of thousands of rows
a second, against a few thousand with the ORM's bulk_create.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db import connection
from psycopg.types.json import Jsonb


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `columns`) into `table`; returns how many. Call it
    inside the organisation's transaction. dict and list values of JSON columns are sent as
    JSON; Python lists for array columns are sent as arrays."""
    names = ", ".join(columns)
    staging = f"staging_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [staging],
        )
        json_columns = {i for i, (kind,) in enumerate(cursor.fetchall()) if kind in ("json", "jsonb")}
        count = 0
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                if json_columns:
                    row = [Jsonb(v) if i in json_columns and v is not None else v for i, v in enumerate(row)]
                copy.write_row(row)
                count += 1
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")
    return count
