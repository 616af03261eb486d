"""PostgreSQL array parameters built by C-level joins, as array input text or in the binary format.

psycopg adapts a Python list element by element in Python (``psycopg.types.array``), which for the thousand-element
arrays of a usage batch costs more than the statement that reads them. These build the whole parameter at once
instead, cast in the SQL (``%s::bigint[]``):

- as array input text (``{1,2,3}``, ``{"a","b"}``), which PostgreSQL parses in C. Elements are quoted by the array
  input rules: inside double quotes a backslash escapes the next character; an unquoted ``NULL`` is null.
- in PostgreSQL's binary array format (``time_array``, ``uuid_array``), for the types whose text PostgreSQL is slow
  to parse (a thousand UUIDs or timestamps cost it about as much as inserting a hundred rows): the elements are
  copied, not parsed. Their dumpers are registered on a cursor by ``register_dumpers`` (``config.prepared``'s
  ``server_cursor`` does it).
"""

import struct
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Self

from psycopg.adapt import AdaptersMap, Dumper
from psycopg.pq import Format

# The binary format: dimensions, whether any element is null, the element type's oid; per dimension its length and
# lower bound; then each element as its length (-1: null) and its bytes.
_HEADER = struct.Struct("!iiIii")
_EMPTY = struct.Struct("!iiI")
_NULL = struct.pack("!i", -1)
_UUID_LENGTH = struct.pack("!i", 16)
_TIME = struct.Struct("!iq")
# ``timestamptz`` in binary: microseconds since this moment.
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class BinaryArray(bytes):
    """An array parameter in PostgreSQL's binary format, of the element type ``element_oid``."""

    element_oid: ClassVar[int]
    array_oid: ClassVar[int]

    @classmethod
    def build(cls, elements: Sequence[bytes], *, has_nulls: bool = False) -> Self:
        """From each element's encoded form (its length, then its bytes)."""
        if not elements:
            return cls(_EMPTY.pack(0, 0, cls.element_oid))
        return cls(_HEADER.pack(1, has_nulls, cls.element_oid, len(elements), 1) + b"".join(elements))


class TimeArray(BinaryArray):
    element_oid, array_oid = 1184, 1185  # timestamptz


class UuidArray(BinaryArray):
    element_oid, array_oid = 2950, 2951  # uuid


class _BinaryArrayDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        return obj


class _TimeArrayDumper(_BinaryArrayDumper):
    oid = TimeArray.array_oid


class _UuidArrayDumper(_BinaryArrayDumper):
    oid = UuidArray.array_oid


def register_dumpers(adapters: AdaptersMap) -> None:
    """Let a cursor (or connection) with these adapters send ``time_array`` and ``uuid_array`` parameters."""
    adapters.register_dumper(TimeArray, _TimeArrayDumper)
    adapters.register_dumper(UuidArray, _UuidArrayDumper)


def plain_array(values: Iterable[object]) -> str:
    """For elements whose ``str`` is their input text and never needs quoting (integers, ``Decimal``, UUIDs), and
    ``None`` (null)."""
    # No ``None in values``: comparing a ``Decimal`` with ``None`` goes through the ``numbers`` ABCs, slowly.
    values = list(values)
    texts = ",".join(map(str, values))
    if "None" in texts:
        texts = ",".join("NULL" if value is None else str(value) for value in values)
    return "{" + texts + "}"


def time_array(values: Iterable[datetime | None]) -> TimeArray:
    """Aware datetimes, ``None`` as null, for a ``timestamptz[]`` parameter (binary). Each distinct moment is
    encoded once (a batch's rows share a few)."""
    values = list(values)
    encoded = {
        value: _NULL if value is None else _TIME.pack(8, (value - _POSTGRES_EPOCH) // _MICROSECOND)
        for value in set(values)
    }
    return TimeArray.build(list(map(encoded.__getitem__, values)), has_nulls=None in encoded)


def uuid_array(texts: Sequence[str]) -> UuidArray:
    """UUIDs in their hyphenated hex form (as ``str(uuid)`` writes them), for a ``uuid[]`` parameter (binary)."""
    raw = bytes.fromhex("".join(texts).replace("-", ""))
    if len(raw) != 16 * len(texts):
        raise ValueError("not all of these are UUIDs")
    return UuidArray.build([_UUID_LENGTH + raw[start : start + 16] for start in range(0, len(raw), 16)])


def int_array(values: Iterable[int]) -> str:
    """Integers (no nulls)."""
    return "{" + ",".join(map(str, values)) + "}"


def text_array(values: Sequence[str | None]) -> str:
    """Any strings (without NUL, which PostgreSQL text cannot hold), ``None`` as null."""
    if not values:
        return "{}"
    nulls = values.count(None)
    if nulls == len(values):
        return "{" + ",".join(["NULL"] * nulls) + "}"
    if not nulls:
        # No None counted: every value is a str (narrowing by a copy would cost this hot path).
        together = "".join(values)  # type: ignore[arg-type]
        if '"' not in together and "\\" not in together:
            return '{"' + '","'.join(values) + '"}'  # type: ignore[arg-type]
    return "{" + ",".join("NULL" if value is None else _quoted(value) for value in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
