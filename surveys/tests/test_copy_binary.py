"""Binary COPY data made from whole columns (surveys.services.copy_binary), read back by PostgreSQL."""

from __future__ import annotations

import math

import pytest
from django.db import connection

from surveys.models import ResultCell
from surveys.services.copy_binary import copy_data

pytestmark = pytest.mark.django_db

COLUMNS = [
    ("int", [1, None, -5, 7, 0]),
    ("int", [2**40, None, -(2**62), 3, None]),
    ("float", [1.5, None, math.nan, 3, -0.0]),
    ("bool", [True, False, None, True, None]),
    ("text", ["abc", None, "", "héllo\ttab\nline\\ \u2603", ResultCell.Disclosure.FULL]),
    ("text", [None, None, None, None, None]),
    ("int", [None, None, None, None, None]),
]


def copied(columns):
    data, types = copy_data(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copied (" + ", ".join(f"c{i} {t}" for i, t in enumerate(types)) + ")"
        )
        with cursor.cursor.copy("COPY copied FROM STDIN (FORMAT binary)") as copy:
            copy.write(data)
        cursor.execute("SELECT * FROM copied")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE copied")
    return types, rows


def test_every_kind_reads_back_as_written_with_nulls_nan_and_any_text():
    types, rows = copied(COLUMNS)
    assert types == ["integer", "bigint", "double precision", "boolean", "text", "text", "integer"]
    expected = [tuple(values[r] for _kind, values in COLUMNS) for r in range(5)]
    assert len(rows) == len(expected)
    for found, wanted in zip(rows, expected, strict=True):
        for value, original in zip(found, wanted, strict=True):
            if isinstance(original, float) and math.isnan(original):
                assert math.isnan(value)
            else:
                assert value == original


def test_no_rows_and_wrong_kinds():
    assert copied([(kind, []) for kind, _ in COLUMNS])[1] == []
    for kind, values in (("int", [1.5]), ("int", [True]), ("bool", [1]), ("text", [3]), ("float", ["1"])):
        with pytest.raises(ValueError):
            copy_data([(kind, values)])
    with pytest.raises(ValueError):
        copy_data([("int", [1, 2]), ("int", [1])])
