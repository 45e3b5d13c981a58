"""The data of a `COPY ... FROM STDIN (FORMAT binary)`, made from whole columns with numpy.

PostgreSQL's binary copy format is a 19-byte header, then per row a 16-bit field count and per
field a 32-bit length (-1 for NULL) followed by the value in its type's binary form (network
byte order), and a 16-bit -1 at the end. Nothing is formatted or parsed as text, and no Python
code runs per value: each column is converted to a numpy array once and scattered into the
buffer at every row's offset.

A column is one of a few kinds: "int" (Python int or None), "float" (float, int or None),
"bool" (bool or None) and "text" (str, a subclass of str, or None). `copy_data` says which
PostgreSQL type each column is written as (an int column is an integer when its values fit,
else a bigint); the staging table must have those types, and an INSERT ... SELECT then assigns
them to the real columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_ALLOWED = {"int": {int}, "float": {float, int}, "bool": {bool}, "text": {str}}
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
_EXACT = 2.0**53  # integers a float64 holds exactly


def _check(kind: str, values: Sequence) -> None:
    if kind not in _ALLOWED:
        raise ValueError(f"unknown column kind {kind!r}")
    found = set(map(type, values)) - {type(None)}
    # Text may be a str subclass (a TextChoices member: its string is its value).
    wrong = {t for t in found if t not in _ALLOWED[kind] and not (kind == "text" and issubclass(t, str))}
    if wrong:
        raise ValueError(f"a {kind} column holds {sorted(t.__name__ for t in wrong)}")


def _prepare(kind: str, values: Sequence) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, int]:
    """(PostgreSQL type, NULL mask, data length per row, payload, width): the payload is
    (rows, width) bytes for a fixed-width type, the concatenated UTF-8 of the values for text
    (width 0)."""
    _check(kind, values)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if kind == "text":
        objects = np.empty(len(values), dtype=object)
        objects[:] = values
        null = np.equal(objects, None)
        strings = np.where(null, "", objects).tolist()
        joined = "".join(strings)
        if joined.isascii():
            payload = joined.encode("ascii")
            lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        else:
            encoded = [s.encode() for s in strings]
            payload = b"".join(encoded)
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        return "text", null, lengths, np.frombuffer(payload, dtype=np.uint8), 0
    numbers = np.array(values, dtype=np.float64).reshape(len(values))  # None -> NaN
    null = np.isnan(numbers)
    if kind == "float":
        if null.any():  # NaN itself is a value: only None is NULL
            null = np.equal(np.array(values, dtype=object), None)
        wire, sql_type = ">f8", "double precision"
        data = numbers
    elif kind == "bool":
        wire, sql_type = "u1", "boolean"
        data = np.where(null, 0, numbers)
    else:
        shown = numbers[~null]
        if len(shown) and np.abs(shown).max() >= _EXACT:
            data = np.array([0 if v is None else v for v in values], dtype=np.int64)
        else:
            data = np.where(null, 0, numbers)
        fits = not len(shown) or (np.abs(shown).max() < 2**31 - 1)
        wire, sql_type = (">i4", "integer") if fits else (">i8", "bigint")
    width = np.dtype(wire).itemsize
    payload = data.astype(wire).view(np.uint8).reshape(len(values), width)
    return sql_type, null, np.where(null, 0, width), payload, width


def copy_data(columns: Sequence[tuple[str, Sequence]]) -> tuple[memoryview, list[str]]:
    """The binary COPY data of the rows made of `columns`, (kind, values) pairs of one length,
    and the PostgreSQL type each column is written as."""
    rows = len(columns[0][1]) if columns else 0
    prepared = [_prepare(kind, values) for kind, values in columns]
    if any(len(null) != rows for _type, null, *_ in prepared):
        raise ValueError("columns of different lengths")
    row_size = np.full(rows, 2, dtype=np.int64)
    for _type, _null, lengths, _payload, _width in prepared:
        row_size += 4 + lengths
    starts = np.zeros(rows, dtype=np.int64)
    if rows:
        starts[1:] = np.cumsum(row_size)[:-1]
    starts += len(HEADER)
    buffer = np.empty(len(HEADER) + int(row_size.sum()) + len(TRAILER), dtype=np.uint8)
    buffer[: len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    buffer[len(buffer) - len(TRAILER) :] = np.frombuffer(TRAILER, dtype=np.uint8)
    buffer[starts] = len(columns) >> 8
    buffer[starts + 1] = len(columns) & 0xFF
    position = starts + 2
    null_size = np.frombuffer(np.array(-1, dtype=">i4").tobytes(), dtype=np.uint8)
    for _type, null, lengths, payload, width in prepared:
        if width:
            # Length and value in one record per row shown; NULL rows get the length -1 alone.
            shown = ~null
            record = np.empty((int(shown.sum()), 4 + width), dtype=np.uint8)
            record[:, :4] = np.frombuffer(np.array(width, dtype=">i4").tobytes(), dtype=np.uint8)
            record[:, 4:] = payload[shown]
            buffer[position[shown][:, None] + np.arange(4 + width)] = record
            buffer[position[null][:, None] + np.arange(4)] = null_size
        else:
            sizes = np.where(null, -1, lengths).astype(">i4").view(np.uint8).reshape(rows, 4)
            buffer[position[:, None] + np.arange(4)] = sizes
            if len(payload):
                offsets = np.zeros(rows, dtype=np.int64)
                offsets[1:] = np.cumsum(lengths)[:-1]
                buffer[np.repeat(position + 4 - offsets, lengths) + np.arange(len(payload))] = payload
        position = position + 4 + lengths
    return memoryview(buffer), [sql_type for sql_type, *_ in prepared]
