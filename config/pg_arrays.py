"""PostgreSQL array parameters as array input text, built by C-level joins.

psycopg adapts a Python list element by element in Python (``psycopg.types.array``), which for the thousand-element
arrays of a usage batch costs more than the statement that reads them. These build the array's input text instead
(``{1,2,3}``, ``{"a","b"}``), sent as one text parameter and cast in the SQL (``%s::bigint[]``), so PostgreSQL
parses it in C. Elements are quoted by the array input rules: inside double quotes a backslash escapes the next
character; an unquoted ``NULL`` is null.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime


def plain_array(values: Iterable[object]) -> str:
    """For elements whose ``str`` is their input text and never needs quoting (integers, ``Decimal``, UUIDs), and
    ``None`` (null)."""
    # No ``None in values``: comparing a ``Decimal`` with ``None`` goes through the ``numbers`` ABCs, slowly.
    values = list(values)
    texts = ",".join(map(str, values))
    if "None" in texts:
        texts = ",".join("NULL" if value is None else str(value) for value in values)
    return "{" + texts + "}"


def time_array(values: Iterable[datetime | None]) -> str:
    """Aware datetimes (ISO 8601, which ``timestamptz`` reads), ``None`` as null. Each distinct moment is
    formatted once (a batch's rows share a few)."""
    values = list(values)
    texts = {value: "NULL" if value is None else value.isoformat() for value in set(values)}
    return "{" + ",".join(map(texts.__getitem__, values)) + "}"


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
        together = "".join(values)  # type: ignore[arg-type]
        if '"' not in together and "\\" not in together:
            return '{"' + '","'.join(values) + '"}'  # type: ignore[arg-type]
    return "{" + ",".join("NULL" if value is None else _quoted(value) for value in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
